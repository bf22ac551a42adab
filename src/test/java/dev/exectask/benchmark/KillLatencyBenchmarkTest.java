package dev.exectask.benchmark;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.api.v1alpha1.Phase;
import dev.exectask.testing.HostProcess;
import dev.exectask.testing.SandboxTestResource;
import dev.exectask.testing.TestNamespace;
import dev.exectask.testing.TestPods;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * How fast a task's three-process tree is gone after a delete and after its deadline (grace 0),
 * measured on the host's /proc, and what is left after 100 aborted tasks. Run with {@code ./mvnw
 * -Pbenchmark test}; prints its figures, asserts only that nothing is left.
 */
@QuarkusTest
@QuarkusTestResource(SandboxTestResource.class)
@Tag("benchmark")
class KillLatencyBenchmarkTest {

  static final String TREE = "sleep 300 & sleep 300 & wait";
  static final int ABORTS = 100;
  static final int TIMEOUTS = 20;
  static final int BATCH = 10;

  @RegisterExtension TestNamespace ns = new TestNamespace();
  @Inject KubernetesClient client;

  @Test
  void abortAndDeadlineLatency() {
    client.pods().inNamespace(ns.name()).resource(TestPods.pod("p")).create();
    List<String> uids = new ArrayList<>();
    List<Duration> abort = new ArrayList<>();
    for (int batch = 0; batch < ABORTS / BATCH; batch++) {
      Map<String, String> tasks = start("abort-" + batch + "-", BATCH, 3600);
      uids.addAll(tasks.values());
      for (Map.Entry<String, String> t : tasks.entrySet()) {
        Instant deleted = Instant.now();
        client.resources(ExecTask.class).inNamespace(ns.name()).withName(t.getKey()).delete();
        abort.add(Duration.between(deleted, lastProcessGone(t.getValue())));
      }
    }
    List<Duration> deadline = new ArrayList<>();
    for (int batch = 0; batch < TIMEOUTS / BATCH; batch++) {
      Map<String, String> tasks = start("timeout-" + batch + "-", BATCH, 3);
      uids.addAll(tasks.values());
      for (Map.Entry<String, String> t : tasks.entrySet()) {
        Instant gone = lastProcessGone(t.getValue());
        ExecTask task =
            client.resources(ExecTask.class).inNamespace(ns.name()).withName(t.getKey()).get();
        Instant due = Instant.parse(task.getStatus().getStartTime()).plusSeconds(3);
        deadline.add(Duration.between(due, gone));
      }
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                client.resources(ExecTask.class).inNamespace(ns.name()).list().getItems().stream()
                    .allMatch(
                        t -> t.getStatus() != null && t.getStatus().getPhase() == Phase.TimedOut));
    long left = uids.stream().mapToLong(uid -> HostProcess.carryingMarker(uid).size()).sum();
    System.out.printf(
        Locale.ROOT,
        "%nBENCHMARK kill latency (sandbox, grace 0, 3-process tree)%n"
            + "  delete -> last process gone:   median %d ms, worst %d ms (%d tasks)%n"
            + "  deadline -> last process gone: median %d ms, worst %d ms (%d tasks)%n"
            + "  processes left on the host after %d aborted and %d timed-out tasks: %d%n",
        median(abort),
        worst(abort),
        abort.size(),
        median(deadline),
        worst(deadline),
        deadline.size(),
        ABORTS,
        TIMEOUTS,
        left);
    assertEquals(0, left);
  }

  /** Creates {@code count} tasks running a three-process tree; returns name to UID, all running. */
  Map<String, String> start(String prefix, int count, long timeoutSeconds) {
    Map<String, String> tasks = new HashMap<>();
    for (int i = 0; i < count; i++) {
      ExecTask task = new ExecTask();
      task.getMetadata().setName(prefix + i);
      ExecTaskSpec spec = new ExecTaskSpec();
      spec.setPodName("p");
      spec.setCommand(List.of("sh", "-c", TREE));
      spec.setTimeoutSeconds(timeoutSeconds);
      spec.setTerminationGracePeriodSeconds(0L);
      task.setSpec(spec);
      ExecTask created =
          client.resources(ExecTask.class).inNamespace(ns.name()).resource(task).create();
      tasks.put(prefix + i, created.getMetadata().getUid());
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(20))
        .until(
            () ->
                tasks.values().stream()
                    .allMatch(uid -> HostProcess.carryingMarker(uid).size() == 3));
    return tasks;
  }

  static Instant lastProcessGone(String uid) {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(2))
        .until(() -> HostProcess.carryingMarker(uid).isEmpty());
    return Instant.now();
  }

  static long median(List<Duration> values) {
    List<Duration> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2).toMillis();
  }

  static long worst(List<Duration> values) {
    return Collections.max(values).toMillis();
  }
}
