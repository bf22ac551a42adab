package dev.exectask.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** When a script's exec counts as hung: by its total time, or by its silence. */
class ExecBoundTest {

  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  /** Writes a byte to the stream, as a script's output reaches it. */
  private static Runnable printing(OutputStream output) {
    return () -> {
      try {
        output.write('.');
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    };
  }

  @Test
  void anExecThatKeepsPrintingOutlivesItsSilenceBound() throws Exception {
    Fabric8ContainerProcesses.Activity output = quiet();
    timer.scheduleAtFixedRate(printing(output), 0, 300, TimeUnit.MILLISECONDS);
    CompletableFuture<String> end = new CompletableFuture<>();
    timer.schedule(() -> end.complete("done"), 3500, TimeUnit.MILLISECONDS);
    long threadsBefore = ManagementFactory.getThreadMXBean().getTotalStartedThreadCount();

    CompletableFuture<String> guarded =
        Fabric8ContainerProcesses.guard(
            end,
            new Fabric8ContainerProcesses.Bound(
                Duration.ofSeconds(20), Duration.ofSeconds(1), output));

    assertThat(guarded.get(10, TimeUnit.SECONDS)).isEqualTo("done");
    assertThat(ManagementFactory.getThreadMXBean().getTotalStartedThreadCount() - threadsBefore)
        .as("the silence is checked every second on one shared thread, not a new one each time")
        .isLessThanOrEqualTo(1);
  }

  @Test
  void anExecSilentForItsBoundIsCutOff() {
    Fabric8ContainerProcesses.Activity output = quiet();
    output.touch(); // opened

    assertCutOff(
        new Fabric8ContainerProcesses.Bound(Duration.ofSeconds(20), Duration.ofSeconds(1), output),
        "the exec printed nothing for 1s and was closed");
  }

  @Test
  void anExecStillPrintingAtItsTotalBoundIsCutOff() {
    Fabric8ContainerProcesses.Activity output = quiet();
    timer.scheduleAtFixedRate(printing(output), 0, 200, TimeUnit.MILLISECONDS);

    assertCutOff(
        new Fabric8ContainerProcesses.Bound(Duration.ofSeconds(2), Duration.ofSeconds(1), output),
        "the exec did not end within 2s and was closed");
  }

  @Test
  void anExecStillOpeningIsBoundedByItsTotalAlone() {
    Fabric8ContainerProcesses.Activity output = quiet();

    assertCutOff(
        new Fabric8ContainerProcesses.Bound(Duration.ofSeconds(3), Duration.ofSeconds(1), output),
        "the exec did not end within 3s and was closed");
  }

  /** A stream nothing has been written to yet. */
  private static Fabric8ContainerProcesses.Activity quiet() {
    return new Fabric8ContainerProcesses.Activity(OutputStream.nullOutputStream());
  }

  /** An exec that never ends, guarded by {@code bound}, fails with {@code message}. */
  private static void assertCutOff(Fabric8ContainerProcesses.Bound bound, String message) {
    CompletableFuture<String> guarded =
        Fabric8ContainerProcesses.guard(new CompletableFuture<>(), bound);

    assertThatThrownBy(() -> guarded.get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .cause()
        .isInstanceOf(TimeoutException.class)
        .hasMessage(message);
  }
}
