package dev.exectask.sandbox.node;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;

/**
 * A container of a pod across its restarts: what its status reports and its current run. Changed on
 * the node's loop thread only; exec reads {@link #current} from other threads.
 */
final class ContainerRuntime {
  private static final Duration BACKOFF_INITIAL = Duration.ofSeconds(10);
  private static final Duration BACKOFF_MAX = Duration.ofMinutes(5);
  // The kubelet forgets a container's back-off once it ran this long.
  private static final Duration BACKOFF_RESET = Duration.ofMinutes(10);

  final Container spec;
  volatile ContainerInstance current;
  ScheduledFuture<?> pendingStart;
  private int runs;
  private int backoffSteps;
  private ContainerState state = waiting("ContainerCreating", null);
  private ContainerState lastState;
  private String containerId;
  private boolean ready;
  private boolean created;
  private boolean finished;

  ContainerRuntime(Container spec) {
    this.spec = spec;
  }

  String name() {
    return spec.getName();
  }

  /** A new run is about to start; every run after the first counts as a restart. */
  void creating() {
    runs++;
    state = waiting("ContainerCreating", null);
  }

  void running(ContainerInstance instance) {
    containerId = instance.containerId;
    state =
        new ContainerStateBuilder()
            .withNewRunning()
            .withStartedAt(PodStatusComposer.time(instance.startedAt()))
            .endRunning()
            .build();
    ready = true;
    created = true;
  }

  /** The run ended; returns its terminated state for the caller to keep or move to lastState. */
  ContainerState ended(
      String id,
      Instant startedAt,
      Instant finishedAt,
      int exitCode,
      String reason,
      String message) {
    containerId = id;
    ready = false;
    created = true;
    return new ContainerStateBuilder()
        .withNewTerminated()
        .withExitCode(exitCode)
        .withReason(reason)
        .withMessage(message)
        .withStartedAt(PodStatusComposer.time(startedAt))
        .withFinishedAt(PodStatusComposer.time(finishedAt))
        .withContainerID(id)
        .endTerminated()
        .build();
  }

  void finished(ContainerState terminated) {
    state = terminated;
    finished = true;
  }

  void restarting(ContainerState terminated) {
    lastState = terminated;
  }

  void waitingFor(String reason, String message) {
    state = waiting(reason, message);
  }

  /**
   * The delay before the next restart, as the kubelet's crash-loop back-off has it: none for the
   * first, then 10s doubling up to 5m, reset after a run of 10m.
   */
  Duration nextBackoff(Duration ranFor) {
    if (ranFor.compareTo(BACKOFF_RESET) >= 0) {
      backoffSteps = 0;
    }
    Duration delay =
        backoffSteps == 0
            ? Duration.ZERO
            : BACKOFF_INITIAL.multipliedBy(1L << Math.min(backoffSteps - 1, 5));
    backoffSteps++;
    return delay.compareTo(BACKOFF_MAX) > 0 ? BACKOFF_MAX : delay;
  }

  int restartCount() {
    return Math.max(0, runs - 1);
  }

  PodStatusComposer.ContainerView view() {
    return new PodStatusComposer.ContainerView(
        name(),
        Objects.requireNonNullElse(spec.getImage(), ""),
        containerId,
        restartCount(),
        state,
        lastState,
        ready,
        created,
        finished);
  }

  private static ContainerState waiting(String reason, String message) {
    return new ContainerStateBuilder()
        .withNewWaiting()
        .withReason(reason)
        .withMessage(message)
        .endWaiting()
        .build();
  }
}
