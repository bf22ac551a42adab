package dev.exectask.exec;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.dsl.internal.ExecWebSocketListener;
import io.fabric8.kubernetes.client.dsl.internal.OperationSupport;
import io.fabric8.kubernetes.client.dsl.internal.PodOperationContext;
import io.fabric8.kubernetes.client.dsl.internal.PodOperationContext.StreamContext;
import io.fabric8.kubernetes.client.http.WebSocket;
import io.fabric8.kubernetes.client.http.WebSocketHandshakeException;
import io.fabric8.kubernetes.client.impl.BaseClient;
import io.fabric8.kubernetes.client.utils.URLUtils;
import io.fabric8.kubernetes.client.utils.URLUtils.URLBuilder;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Opens pods/exec websockets without blocking a thread. fabric8's {@code exec(...)} first reads and
 * watches the pod until it is ready (a GET, a LIST and a WATCH per exec) and then blocks its caller
 * until the handshake ends; the operator already knows the pod and container from its cache, so
 * this goes straight to the upgrade: one request per exec, nothing held while it opens. The stream
 * is fabric8's own {@link ExecWebSocketListener} (the {@code v4.channel.k8s.io} framing, the exit
 * status on channel 3), and each open stream is pinged by {@link WebSocketPings} while it lasts.
 */
final class ExecConnector {

  static final String EXEC_PROTOCOL = "v4.channel.k8s.io";

  private final KubernetesClient client;
  private final WebSocketPings pings;

  ExecConnector(KubernetesClient client, WebSocketPings pings) {
    this.client = client;
    this.pings = pings;
  }

  /**
   * Starts opening an exec of {@code argv} in the target container. The future completes with the
   * open stream, or fails with the API server's answer to the upgrade (a {@link
   * KubernetesClientException} carrying its Status and HTTP code) or the connection's failure.
   */
  CompletableFuture<ExecWatch> open(
      ExecTarget target,
      List<String> argv,
      boolean stdin,
      OutputStream out,
      OutputStream err,
      ExecListener listener) {
    PodOperationContext context =
        PodOperationContext.builder()
            .containerId(target.container())
            .redirectingIn(stdin)
            .output(new StreamContext(out))
            .error(new StreamContext(err))
            .execListener(listener)
            .build();
    URLBuilder url =
        new URLBuilder(
            URLUtils.join(
                client.getMasterUrl().toString(),
                "api",
                "v1",
                "namespaces",
                target.namespace(),
                "pods",
                target.pod(),
                "exec"));
    argv.forEach(arg -> url.addQueryParameter("command", arg));
    context.addQueryParameters(url);
    ExecWebSocketListener stream =
        new ExecWebSocketListener(
            context,
            client.adapt(BaseClient.class).getExecutor(),
            client.getKubernetesSerialization());
    CompletableFuture<WebSocket> upgrade;
    try {
      upgrade =
          client
              .getHttpClient()
              .newWebSocketBuilder()
              .subprotocol(EXEC_PROTOCOL)
              .uri(url.build().toURI())
              .connectTimeout(client.getConfiguration().getRequestTimeout(), TimeUnit.MILLISECONDS)
              .buildAsync(stream);
    } catch (URISyntaxException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return upgrade
        .handle(
            (webSocket, failure) -> {
              if (failure == null) {
                pings.keepAlive(webSocket, stream.exitCode());
                return CompletableFuture.<ExecWatch>completedFuture(stream);
              }
              Throwable cause =
                  failure instanceof CompletionException && failure.getCause() != null
                      ? failure.getCause()
                      : failure;
              stream.onError(webSocket, refusal(cause));
              return stream.exitCode().thenApply(code -> (ExecWatch) stream);
            })
        .thenCompose(f -> f);
  }

  /**
   * A refused upgrade as the API server's Status (its message and HTTP code), as fabric8's exec
   * reports it; any other failure as it is.
   */
  private Throwable refusal(Throwable failure) {
    if (failure instanceof WebSocketHandshakeException handshake
        && handshake.getResponse() != null) {
      Status status =
          OperationSupport.createStatus(
              handshake.getResponse(), client.getKubernetesSerialization());
      return new KubernetesClientException(
          status.getMessage(),
          handshake,
          status.getCode(),
          status,
          handshake.getResponse().request());
    }
    return failure;
  }
}
