package dev.exectask.sandbox;

import io.javaoperatorsdk.operator.Operator;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.http.HttpServer;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import java.time.Instant;

/**
 * In sandbox mode, tells the user how to reach the operator's HTTP (health, metrics) and the
 * sandbox once the operator runs, then starts the demo if asked. A startup observer rather than a
 * QuarkusApplication: the operator extension starts the operator by itself only when the
 * application declares none.
 */
@ApplicationScoped
public class SandboxReadiness {

  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
  private static final long POLL_MILLIS = 50;

  void onStart(
      @Observes @Priority(Interceptor.Priority.LIBRARY_AFTER + 1000) StartupEvent event,
      Operator operator,
      HttpServer http) {
    SandboxMode.Running running = SandboxMode.running();
    if (running == null) {
      return;
    }
    Thread announcer = new Thread(() -> announce(operator, http, running), "sandbox-readiness");
    announcer.setDaemon(true);
    announcer.start();
  }

  private static void announce(Operator operator, HttpServer http, SandboxMode.Running running) {
    Instant deadline = Instant.now().plus(READY_TIMEOUT);
    try {
      // The HTTP server binds after the startup observers ran: its port is known only then.
      while (!operator.getRuntimeInfo().isStarted()
          || !operator.getRuntimeInfo().allEventSourcesAreHealthy()
          || http.getPort() <= 0) {
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
    String host = System.getProperty(SandboxMode.HTTP_HOST, "127.0.0.1");
    running
        .out()
        .printf(
            "Operator HTTP: http://%s:%d (health /q/health, metrics /q/metrics)%n",
            host, http.getPort());
    running.out().println("export KUBECONFIG=" + running.sandbox().kubeconfig());
    running.out().flush();
    if (running.demo()) {
      new SandboxDemo(running.sandbox(), running.out()).run();
    }
  }
}
