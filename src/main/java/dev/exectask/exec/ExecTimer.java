package dev.exectask.exec;

import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one thread that runs the exec layer's delayed work: kill batches sent when their window
 * closes, killers' silence checks, upgrades tried again. {@code CompletableFuture.delayedExecutor}
 * without an executor runs each task on the common pool, which on a machine of one or two cores is
 * a new thread per task: a thread a second per running killer. The work here only starts
 * asynchronous execs and completes futures, so one thread does it all.
 */
final class ExecTimer {

  private ExecTimer() {}

  private static final class Holder {
    static final ScheduledExecutorService TIMER =
        Executors.newSingleThreadScheduledExecutor(
            task -> {
              Thread thread = new Thread(task, "exectask-exec-timer");
              thread.setDaemon(true);
              return thread;
            });
  }

  /** Runs what it is given after {@code delay}, on the timer thread. */
  static Executor after(long delay, TimeUnit unit) {
    return task -> Holder.TIMER.schedule(task, delay, unit);
  }
}
