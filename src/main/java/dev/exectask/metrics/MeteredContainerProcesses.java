package dev.exectask.metrics;

import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.exec.CommandOutcome;
import dev.exectask.exec.ContainerProcesses;
import dev.exectask.exec.ExecTarget;
import dev.exectask.exec.LiveOutput;
import dev.exectask.exec.ObservedCommand;
import dev.exectask.scripts.KillReport;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Meters every exec the operator opens without the reconciler knowing: wrapping the one interface
 * all container side effects go through keeps the numbers true whatever calls it. A retry is a
 * second kill (or observe) of a task whose previous one failed.
 */
final class MeteredContainerProcesses implements ContainerProcesses {

  static final String EXECS_OPEN = "exectask.execs.open";
  static final String KILL_DURATION = "exectask.kill.duration";
  static final String PROCESSES_KILLED = "exectask.processes.killed";
  static final String FAILURES = "exectask.exec.failures";
  static final String RETRIES = "exectask.exec.retries";

  /** What an exec is for, a tag on every meter here. */
  enum Purpose {
    command,
    observe,
    kill
  }

  private final ContainerProcesses delegate;
  private final MeterRegistry registry;
  private final Map<Purpose, AtomicInteger> open = new ConcurrentHashMap<>();
  private final Set<String> failedKills = ConcurrentHashMap.newKeySet();
  private final Set<String> failedObserves = ConcurrentHashMap.newKeySet();
  private final Counter processesKilled;

  MeteredContainerProcesses(ContainerProcesses delegate, MeterRegistry registry) {
    this.delegate = delegate;
    this.registry = registry;
    for (Purpose purpose : Purpose.values()) {
      AtomicInteger n = new AtomicInteger();
      open.put(purpose, n);
      Gauge.builder(EXECS_OPEN, n, AtomicInteger::get)
          .description("Execs the operator has open into containers, by purpose")
          .tag("purpose", purpose.name())
          .register(registry);
    }
    for (Purpose purpose : List.of(Purpose.observe, Purpose.kill)) {
      failures(purpose);
      retries(purpose);
    }
    processesKilled =
        Counter.builder(PROCESSES_KILLED)
            .description("Processes of task trees signalled by confirmed kills")
            .register(registry);
  }

  @Override
  public CompletableFuture<CommandOutcome> run(
      ExecTarget target, String taskUid, ExecTaskSpec spec, LiveOutput live) {
    return opened(Purpose.command, () -> delegate.run(target, taskUid, spec, live));
  }

  @Override
  public CompletableFuture<ObservedCommand> observe(ExecTarget target, String taskUid) {
    countRetry(Purpose.observe, failedObserves, taskUid);
    return opened(Purpose.observe, () -> delegate.observe(target, taskUid))
        .whenComplete(
            (observation, failure) -> {
              if (failure != null) {
                failed(Purpose.observe, failedObserves, taskUid);
              } else {
                failedObserves.remove(taskUid);
              }
            });
  }

  @Override
  public CompletableFuture<KillReport> killTree(
      ExecTarget target, String taskUid, long graceSeconds) {
    countRetry(Purpose.kill, failedKills, taskUid);
    Timer.Sample sample = Timer.start(registry);
    return opened(Purpose.kill, () -> delegate.killTree(target, taskUid, graceSeconds))
        .whenComplete(
            (report, failure) -> {
              String outcome =
                  failure != null ? "error" : report.confirmed() ? "confirmed" : "survivors";
              sample.stop(
                  Timer.builder(KILL_DURATION)
                      .description(
                          "From the start of a kill (SIGTERM) until the tree is confirmed gone,"
                              + " or the kill gave up; by outcome")
                      .tag("outcome", outcome)
                      .publishPercentileHistogram()
                      .register(registry));
              if (failure == null && report.confirmed()) {
                failedKills.remove(taskUid);
                processesKilled.increment(report.signalled());
              } else {
                failed(Purpose.kill, failedKills, taskUid);
              }
            });
  }

  private <T> CompletableFuture<T> opened(Purpose purpose, Supplier<CompletableFuture<T>> exec) {
    AtomicInteger n = open.get(purpose);
    n.incrementAndGet();
    CompletableFuture<T> future;
    try {
      future = exec.get();
    } catch (RuntimeException e) {
      n.decrementAndGet();
      throw e;
    }
    return future.whenComplete((value, failure) -> n.decrementAndGet());
  }

  private void failed(Purpose purpose, Set<String> failedTasks, String taskUid) {
    failedTasks.add(taskUid);
    failures(purpose).increment();
  }

  private void countRetry(Purpose purpose, Set<String> failedTasks, String taskUid) {
    if (failedTasks.remove(taskUid)) {
      retries(purpose).increment();
    }
  }

  private Counter failures(Purpose purpose) {
    return Counter.builder(FAILURES)
        .description("Kills and observations that failed (each is retried with backoff)")
        .tag("purpose", purpose.name())
        .register(registry);
  }

  private Counter retries(Purpose purpose) {
    return Counter.builder(RETRIES)
        .description("Kills and observations tried again after a failure")
        .tag("purpose", purpose.name())
        .register(registry);
  }
}
