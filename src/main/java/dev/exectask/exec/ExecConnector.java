package dev.exectask.exec;

import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.RequestConfigBuilder;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.dsl.internal.ExecWebSocketListener;
import io.fabric8.kubernetes.client.dsl.internal.OperationSupport;
import io.fabric8.kubernetes.client.dsl.internal.PodOperationContext;
import io.fabric8.kubernetes.client.dsl.internal.PodOperationContext.StreamContext;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.WebSocket;
import io.fabric8.kubernetes.client.http.WebSocketHandshakeException;
import io.fabric8.kubernetes.client.impl.BaseClient;
import io.fabric8.kubernetes.client.utils.URLUtils;
import io.fabric8.kubernetes.client.utils.URLUtils.URLBuilder;
import io.vertx.core.http.UpgradeRejectedException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
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

  /**
   * The client's HTTP client without its own retries. fabric8 retries a refused upgrade (HTTP 429
   * or any 5xx, or an I/O failure) up to 10 times with exponential backoff: an exec into a pod
   * whose node is unreachable (HTTP 500 "error dialing backend" after the API server's dial
   * timeout) would fail only after a minute or more of hidden retries, past the killer's bound, and
   * the task would report a timeout instead of the API server's answer. Here only the refusals that
   * say "try again shortly" are retried, a few times ({@link #retryable}); the reconciler retries
   * the rest with its own backoff and says so in the task's status.
   */
  private final HttpClient http;

  ExecConnector(KubernetesClient client, WebSocketPings pings) {
    this.client = client;
    this.pings = pings;
    this.http =
        client
            .getHttpClient()
            .newBuilder()
            .tag(
                new RequestConfigBuilder(client.getConfiguration().getRequestConfig())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build();
  }

  /**
   * Tries of a script's upgrade refused with "try again" (within 0.7 s): the reconciler tries a
   * failed kill or observation again with its own backoff, and says so in the task's status.
   */
  static final int RETRIES = 3;

  /**
   * Tries of a command's start refused with "try again" (within 13 s, long enough to outlast an API
   * server's restart): nothing else tries a start again, and a start refused before the upgrade
   * never ran, so trying it again cannot run the command twice.
   */
  static final int START_RETRIES = 8;

  /**
   * Starts opening an exec of {@code argv} in the target container, trying an upgrade refused with
   * "try again" up to {@code retries} more times ({@link #RETRIES}, {@link #START_RETRIES}). The
   * future completes with the open stream, or fails with the API server's answer to the upgrade (a
   * {@link KubernetesClientException} carrying its Status and HTTP code) or the connection's
   * failure.
   */
  CompletableFuture<ExecWatch> open(
      ExecTarget target,
      List<String> argv,
      boolean stdin,
      OutputStream out,
      OutputStream err,
      ExecListener listener,
      int retries) {
    return attempt(new Request(target, argv, stdin, out, err, listener, retries), 0);
  }

  /** One exec to open, as {@link #open} was asked for it. */
  private record Request(
      ExecTarget target,
      List<String> argv,
      boolean stdin,
      OutputStream out,
      OutputStream err,
      ExecListener listener,
      int retries) {}

  private CompletableFuture<ExecWatch> attempt(Request request, int retry) {
    ExecTarget target = request.target();
    OutputStream out = request.out();
    OutputStream err = request.err();
    PodOperationContext context =
        PodOperationContext.builder()
            .containerId(target.container())
            .redirectingIn(request.stdin())
            .output(new StreamContext(out))
            .error(new StreamContext(err))
            .execListener(request.listener())
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
    request.argv().forEach(arg -> url.addQueryParameter("command", arg));
    context.addQueryParameters(url);
    ExecWebSocketListener stream =
        new ExecWebSocketListener(
            context,
            client.adapt(BaseClient.class).getExecutor(),
            client.getKubernetesSerialization());
    CompletableFuture<WebSocket> upgrade;
    try {
      upgrade =
          http.newWebSocketBuilder()
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
              Throwable refusal = refusal(cause);
              if (retry < request.retries() && retryable(refusal)) {
                // Refused before the upgrade: nothing ran in the container, so another try is safe.
                Executor later = ExecTimer.after(100L << Math.min(retry, 5), TimeUnit.MILLISECONDS);
                return CompletableFuture.supplyAsync(() -> null, later)
                    .thenCompose(v -> attempt(request, retry + 1));
              }
              stream.onError(webSocket, refusal);
              return stream.exitCode().thenApply(code -> (ExecWatch) stream);
            })
        .thenCompose(f -> f);
  }

  /**
   * A refused upgrade as the API server's Status (its message and HTTP code; fabric8 keeps only the
   * code, so the Status is read from the body of the refusal where it is there); any other failure
   * as it is.
   */
  private Throwable refusal(Throwable failure) {
    if (failure instanceof WebSocketHandshakeException handshake
        && handshake.getResponse() != null) {
      Status status =
          sentStatus(handshake)
              .orElseGet(
                  () ->
                      OperationSupport.createStatus(
                          handshake.getResponse(), client.getKubernetesSerialization()));
      return new KubernetesClientException(
          status.getMessage(),
          handshake,
          status.getCode(),
          status,
          handshake.getResponse().request());
    }
    return failure;
  }

  /**
   * The refusals that mean "try again shortly" and nothing else: too many requests (429, API
   * priority and fairness), the API server unavailable (503, e.g. while it restarts), or the
   * connection refused. An unreachable kubelet (500) or a forbidden exec (403) is reported at once.
   */
  static boolean retryable(Throwable refusal) {
    if (refusal instanceof KubernetesClientException answered && answered.getCode() > 0) {
      return answered.getCode() == 429 || answered.getCode() == 503;
    }
    for (Throwable t = refusal; t != null && t != t.getCause(); t = t.getCause()) {
      if (t instanceof ConnectException) {
        return true;
      }
    }
    return false;
  }

  /** The Status the API server sent with its refusal, e.g. "error dialing backend: ...". */
  private Optional<Status> sentStatus(WebSocketHandshakeException handshake) {
    for (Throwable t = handshake.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
      if (t instanceof UpgradeRejectedException rejected
          && rejected.getBody() != null
          && rejected.getBody().length() > 0) {
        try {
          Status status =
              client
                  .getKubernetesSerialization()
                  .unmarshal(rejected.getBody().toString(), Status.class);
          if (status != null && status.getMessage() != null && !status.getMessage().isBlank()) {
            if (status.getCode() == null) {
              status.setCode(rejected.getStatus());
            }
            return Optional.of(status);
          }
        } catch (RuntimeException notAStatus) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }
}
