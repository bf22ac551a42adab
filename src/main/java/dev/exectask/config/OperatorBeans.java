package dev.exectask.config;

import dev.exectask.exec.ContainerProcesses;
import dev.exectask.exec.Fabric8ContainerProcesses;
import dev.exectask.metrics.TaskMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
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
   * Threads that open execs and record Events: both block on the API (pod lookup, websocket
   * handshake, a POST), never on a running command. A fixed number, so a burst of 1,000 task starts
   * or kills queues here instead of growing a thread each; idle threads end.
   */
  static final int BACKGROUND_THREADS = 32;

  @Produces
  @Singleton
  @Background
  ExecutorService background() {
    return bounded(BACKGROUND_THREADS, "exectask-exec-");
  }

  /** Threads that open the killers' execs, apart, so that kills never queue behind starts. */
  static final int KILL_THREADS = 16;

  private static ExecutorService kills() {
    return bounded(KILL_THREADS, "exectask-kill-");
  }

  /** A fixed number of daemon threads named PREFIX-N; idle ones end. */
  private static ExecutorService bounded(int size, String prefix) {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory threads =
        r -> {
          Thread t = new Thread(r, prefix + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
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
      @Background ExecutorService background,
      Clock clock,
      @ConfigProperty(name = "exectask.output-tail-bytes", defaultValue = "4096") int tailBytes,
      TaskMetrics metrics) {
    return metrics.meter(
        new Fabric8ContainerProcesses(client, background, kills(), clock, tailBytes));
  }
}
