package dev.exectask.config;

import dev.exectask.exec.ContainerProcesses;
import dev.exectask.exec.Fabric8ContainerProcesses;
import dev.exectask.metrics.TaskMetrics;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Wires the operator's collaborators; tests replace the clock or the container side here. */
public class OperatorBeans {

  @Produces
  @Singleton
  Clock clock() {
    return Clock.systemUTC();
  }

  /** Opening an exec blocks (pod lookup, websocket handshake); it happens on these threads. */
  @Produces
  @Singleton
  @Background
  ExecutorService background() {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory threads =
        r -> {
          Thread t = new Thread(r, "exectask-exec-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    return Executors.newCachedThreadPool(threads);
  }

  @Produces
  @Singleton
  ContainerProcesses containerProcesses(
      KubernetesClient client,
      @Background ExecutorService background,
      Clock clock,
      @ConfigProperty(name = "exectask.output-tail-bytes", defaultValue = "4096") int tailBytes,
      TaskMetrics metrics) {
    return metrics.meter(new Fabric8ContainerProcesses(client, background, clock, tailBytes));
  }
}
