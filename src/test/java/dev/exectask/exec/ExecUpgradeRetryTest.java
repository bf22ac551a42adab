package dev.exectask.exec;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Which refused exec upgrades are tried again at once, and which are reported. */
class ExecUpgradeRetryTest {

  @Test
  void tooManyRequestsAndUnavailableAreTriedAgain() {
    assertThat(ExecConnector.retryable(refused(429))).isTrue();
    assertThat(ExecConnector.retryable(refused(503))).isTrue();
  }

  @Test
  void anUnreachableKubeletOrAForbiddenExecIsReportedAtOnce() {
    assertThat(ExecConnector.retryable(refused(500))).isFalse();
    assertThat(ExecConnector.retryable(refused(403))).isFalse();
    assertThat(ExecConnector.retryable(refused(404))).isFalse();
  }

  @Test
  void aRefusedConnectionIsTriedAgainOtherIoFailuresAreNot() {
    assertThat(
            ExecConnector.retryable(
                new CompletionException(new ConnectException("Connection refused"))))
        .isTrue();
    assertThat(ExecConnector.retryable(new IOException("connection reset"))).isFalse();
  }

  @Test
  void anUnavailableApiServerIsTriedAgainAsManyTimesAsAskedThenReported() throws Exception {
    AtomicInteger tries = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          tries.incrementAndGet();
          byte[] body =
              ("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\","
                      + "\"message\":\"the server is restarting\",\"code\":503}")
                  .getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(503, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
    try (KubernetesClient client =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder()
                    .withMasterUrl("http://127.0.0.1:" + server.getAddress().getPort())
                    .build())
            .build()) {
      ExecutionException failure =
          ExecConnectorTest.refusedOpen(client, new ExecTarget("default", "p", "main"), 2);

      assertThat(tries.get()).as("the first try and two more, none of fabric8's own").isEqualTo(3);
      KubernetesClientException refused = (KubernetesClientException) failure.getCause();
      assertThat(refused.getCode()).isEqualTo(503);
      assertThat(refused.getMessage()).contains("the server is restarting");
    } finally {
      server.stop(0);
    }
  }

  private static KubernetesClientException refused(int code) {
    return new KubernetesClientException("refused", code, null);
  }
}
