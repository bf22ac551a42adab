package dev.exectask.metrics;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskStatus;
import dev.exectask.api.v1alpha1.Phase;
import dev.exectask.exec.ContainerProcesses;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The operator's own Prometheus metrics (served on /q/metrics beside the Java Operator SDK's
 * reconcile metrics): what tasks are doing, how long they and their kills take, and how often
 * touching a container fails. The names are listed in the README.
 */
@Singleton
public class TaskMetrics {

  static final String TASKS = "exectask.tasks";
  static final String FINISHED = "exectask.tasks.finished";
  static final String TASK_DURATION = "exectask.task.duration";

  private final MeterRegistry registry;
  private final AtomicReference<IndexerResourceCache<ExecTask>> tasks = new AtomicReference<>();

  public TaskMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * Counts tasks by phase from the operator's own cache of them, so the numbers are right after a
   * restart too (a task without a phase yet counts as Pending).
   */
  public void watch(IndexerResourceCache<ExecTask> cache) {
    if (tasks.getAndSet(cache) != null) {
      return;
    }
    for (Phase phase : Phase.values()) {
      Gauge.builder(TASKS, () -> count(phase))
          .description("ExecTasks the operator watches, by phase")
          .tag("phase", phase.name())
          .register(registry);
    }
  }

  private long count(Phase phase) {
    IndexerResourceCache<ExecTask> cache = tasks.get();
    if (cache == null) {
      return 0;
    }
    return cache.list().filter(t -> phaseOf(t.getStatus()) == phase).count();
  }

  private static Phase phaseOf(ExecTaskStatus status) {
    return status == null || status.getPhase() == null ? Phase.Pending : status.getPhase();
  }

  /** Records a status the operator just wrote: a task that reached its end is counted and timed. */
  public void transition(ExecTaskStatus before, ExecTaskStatus after) {
    Phase was = before == null ? null : before.getPhase();
    Phase is = phaseOf(after);
    if (!is.isTerminal() || (was != null && was.isTerminal())) {
      return;
    }
    String reason = after.getReason() == null ? "" : after.getReason();
    Counter.builder(FINISHED)
        .description("ExecTasks that reached a terminal phase, by phase and reason")
        .tag("phase", is.name())
        .tag("reason", reason)
        .register(registry)
        .increment();
    Duration ran = between(after.getStartTime(), after.getCompletionTime());
    if (ran != null) {
      Timer.builder(TASK_DURATION)
          .description("From a task's startTime to its completionTime, by terminal phase")
          .tag("phase", is.name())
          .publishPercentileHistogram()
          .minimumExpectedValue(Duration.ofMillis(100))
          .maximumExpectedValue(Duration.ofHours(24))
          .register(registry)
          .record(ran);
    }
  }

  /** The container side, metered: execs open, kill durations and counts, failures and retries. */
  public ContainerProcesses meter(ContainerProcesses processes) {
    return new MeteredContainerProcesses(processes, registry);
  }

  private static Duration between(String start, String end) {
    if (start == null || end == null) {
      return null;
    }
    try {
      Duration d = Duration.between(Instant.parse(start), Instant.parse(end));
      return d.isNegative() ? null : d;
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
