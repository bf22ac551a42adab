package dev.exectask.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.exec.CommandOutcome;
import dev.exectask.exec.ContainerProcesses;
import dev.exectask.exec.ExecTarget;
import dev.exectask.exec.LiveOutput;
import dev.exectask.exec.ObservedCommand;
import dev.exectask.scripts.KillReport;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Failures, retries and open execs as the container side reports them, without a cluster. */
class MeteredContainerProcessesTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final Deque<CompletableFuture<KillReport>> kills = new ArrayDeque<>();
  private final Deque<CompletableFuture<ObservedCommand>> observations = new ArrayDeque<>();

  private final ContainerProcesses fake =
      new ContainerProcesses() {
        @Override
        public CompletableFuture<CommandOutcome> run(
            ExecTarget target, String taskUid, ExecTaskSpec spec, LiveOutput live) {
          return new CompletableFuture<>();
        }

        @Override
        public CompletableFuture<ObservedCommand> observe(ExecTarget target, String taskUid) {
          return observations.removeFirst();
        }

        @Override
        public CompletableFuture<KillReport> killTree(
            ExecTarget target, String taskUid, long graceSeconds) {
          return kills.removeFirst();
        }
      };

  private final ContainerProcesses metered = new TaskMetrics(registry).meter(fake);

  @Test
  void aFailedKillCountsAsAFailureAndTheNextOneAsARetry() {
    CompletableFuture<KillReport> failing = new CompletableFuture<>();
    CompletableFuture<KillReport> survivors =
        CompletableFuture.completedFuture(new KillReport(3, 1));
    CompletableFuture<KillReport> confirmed =
        CompletableFuture.completedFuture(new KillReport(3, 0));
    kills.add(failing);
    kills.add(survivors);
    kills.add(confirmed);

    metered.killTree(null, "uid-1", 0);
    assertThat(gauge("exectask.execs.open", "purpose", "kill")).isEqualTo(1.0);
    failing.completeExceptionally(new IllegalStateException("connection refused"));
    assertThat(gauge("exectask.execs.open", "purpose", "kill")).isEqualTo(0.0);
    metered.killTree(null, "uid-1", 0);
    metered.killTree(null, "uid-1", 0);

    assertThat(counter("exectask.exec.failures", "kill")).isEqualTo(2.0);
    assertThat(counter("exectask.exec.retries", "kill")).isEqualTo(2.0);
    assertThat(registry.get("exectask.processes.killed").counter().count()).isEqualTo(3.0);
    assertThat(registry.get("exectask.kill.duration").tag("outcome", "error").timer().count())
        .isEqualTo(1);
    assertThat(registry.get("exectask.kill.duration").tag("outcome", "survivors").timer().count())
        .isEqualTo(1);
    assertThat(registry.get("exectask.kill.duration").tag("outcome", "confirmed").timer().count())
        .isEqualTo(1);
  }

  @Test
  void aFirstKillOfAnotherTaskIsNoRetry() {
    kills.add(CompletableFuture.failedFuture(new IllegalStateException("gone")));
    kills.add(CompletableFuture.completedFuture(new KillReport(1, 0)));
    metered.killTree(null, "uid-1", 0);
    metered.killTree(null, "uid-2", 0);
    assertThat(counter("exectask.exec.retries", "kill")).isZero();
  }

  @Test
  void aFailedObservationIsCountedAndRetried() {
    observations.add(CompletableFuture.failedFuture(new IllegalStateException("timeout")));
    observations.add(new CompletableFuture<>());
    metered.observe(null, "uid-1");
    metered.observe(null, "uid-1");
    assertThat(counter("exectask.exec.failures", "observe")).isEqualTo(1.0);
    assertThat(counter("exectask.exec.retries", "observe")).isEqualTo(1.0);
    assertThat(gauge("exectask.execs.open", "purpose", "observe")).isEqualTo(1.0);
  }

  @Test
  void aCommandExecStaysOpenUntilItEnds() {
    metered.run(null, "uid-1", new ExecTaskSpec(), new LiveOutput());
    assertThat(gauge("exectask.execs.open", "purpose", "command")).isEqualTo(1.0);
  }

  private double counter(String name, String purpose) {
    return registry.get(name).tag("purpose", purpose).counter().count();
  }

  private double gauge(String name, String tag, String value) {
    return registry.get(name).tag(tag, value).gauge().value();
  }
}
