package dev.exectask.sandbox;

import io.javaoperatorsdk.operator.Operator;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import java.time.Instant;

/**
 * In sandbox mode, tells the user how to reach the sandbox once the operator runs, then starts the
 * demo if asked. A startup observer rather than a QuarkusApplication: the operator extension starts
 * the operator by itself only when the application declares none.
 */
@ApplicationScoped
public class SandboxReadiness {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final long POLL_MILLIS = 50;

  void onStart(
      @Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 1000) StartupEvent event,
      Operator operator) {
    SandboxMode.Running running = SandboxMode.running();
    if (running == null) {
      return;
    }
    Thread announcer = new Thread(() -> announce(operator, running), "sandbox-readiness");
    announcer.setDaemon(true);
    announcer.start();
  }

  private static void announce(Operator operator, SandboxMode.Running running) {
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    try {
      while (!operator.getRuntimeInfo().isStarted()
          || !operator.getRuntimeInfo().allEventSourcesAreHealthy()) {
        if (Instant.now().isAfter(deadline)) {
          running
              .out()
              .println(
                  "The operator did not start within "
                      + READY_TIMEOUT.toSeconds()
                      + "s; see the log above.");
          return;
        }
        Thread.sleep(POLL_MILLIS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    running.out().println("export KUBECONFIG=" + running.sandbox().kubeconfig());
    running.out().flush();
    if (running.demo()) {
      new SandboxDemo(running.sandbox(), running.out()).run();
    }
  }
}
