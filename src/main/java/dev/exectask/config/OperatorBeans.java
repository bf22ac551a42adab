package dev.exectask.config;

import dev.exectask.exec.ContainerProcesses;
import dev.exectask.exec.Fabric8ContainerProcesses;
import dev.exectask.exec.WebSocketPings;
import dev.exectask.metrics.TaskMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Wires the operator's collaborators; tests replace the clock or the container side here. */
public class OperatorBeans {

  @Produces
  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  /**
   * Threads that record Events (a POST each, blocking on the API). A fixed number, so a burst of
   * 1,000 task starts or kills queues here instead of growing a thread each; idle threads end.
   * Execs need no thread of their own while they open: {@code ExecConnector} is asynchronous.
   */
  static final int BACKGROUND_THREADS = 8;

  @Produces
  @Singleton
  @Background
  ExecutorService background() {
    return bounded(BACKGROUND_THREADS, "exectask-events-");
  }

  /** A fixed number of daemon threads named PREFIX-N; idle ones end. */
  private static ExecutorService bounded(int size, String prefix) {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory threads = r -> daemon(r, prefix + n.incrementAndGet());
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            size, size, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threads);
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  @Produces
  @Singleton
  ContainerProcesses containerProcesses(
      KubernetesClient client,
      Clock clock,
      @ConfigProperty(name = "exectask.output-tail-bytes", defaultValue = "4096") int tailBytes,
      @ConfigProperty(name = "exectask.exec-keepalive-interval", defaultValue = "20s")
          Duration keepalive,
      TaskMetrics metrics) {
    return metrics.meter(new Fabric8ContainerProcesses(client, pings(keepalive), clock, tailBytes));
  }

  /** One daemon thread pings every open exec stream. */
  private static WebSocketPings pings(Duration interval) {
    if (interval.isZero() || interval.isNegative()) {
      return WebSocketPings.disabled();
    }
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "exectask-exec-ping"));
    return new WebSocketPings(interval, scheduler);
  }

  private static Thread daemon(Runnable task, String name) {
    Thread t = new Thread(task, name);
    t.setDaemon(true);
    return t;
  }
}
