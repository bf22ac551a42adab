package dev.exectask.exec;

import io.fabric8.kubernetes.client.http.WebSocket;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocketBase;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Sends a websocket ping on every open exec stream every {@code interval}, so that a load balancer
 * or proxy with an idle timeout (commonly 60 s) does not cut a command that prints nothing. The API
 * server answers with a pong; neither carries data, so the command never sees them.
 *
 * <p>fabric8's Vert.x client, which Quarkus uses, sends no pings of its own ({@code
 * kubernetes.websocket.ping.interval} applies to its OkHttp client only) and its {@link WebSocket}
 * has no ping method, so the ping is written on the Vert.x websocket underneath. Where that is not
 * reachable (another HTTP client), a warning says so once and streams go unpinged: the operator
 * then relies on re-reading the command's state from the container when a stream is cut.
 */
public final class WebSocketPings {

  private static final Logger LOG = Logger.getLogger(WebSocketPings.class);
  private static final Buffer EMPTY = Buffer.buffer();

  private final Set<WebSocketBase> open = ConcurrentHashMap.newKeySet();
  private final boolean enabled;
  private volatile boolean unsupportedReported;

  /**
   * @param interval between two pings on a stream; zero or negative disables them
   * @param scheduler the one thread that sends every stream's pings
   */
  public WebSocketPings(Duration interval, ScheduledExecutorService scheduler) {
    this.enabled = interval != null && !interval.isZero() && !interval.isNegative();
    if (enabled) {
      long millis = interval.toMillis();
      scheduler.scheduleWithFixedDelay(this::pingAll, millis, millis, TimeUnit.MILLISECONDS);
    }
  }

  /** No pings at all. */
  public static WebSocketPings disabled() {
    return new WebSocketPings(Duration.ZERO, null);
  }

  /** Pings {@code webSocket} until {@code ended} completes. */
  void keepAlive(WebSocket webSocket, CompletableFuture<?> ended) {
    if (!enabled) {
      return;
    }
    WebSocketBase vertx = vertxSocket(webSocket);
    if (vertx == null) {
      return;
    }
    open.add(vertx);
    ended.whenComplete((v, t) -> open.remove(vertx));
  }

  /** The streams being pinged. */
  int size() {
    return open.size();
  }

  private void pingAll() {
    for (WebSocketBase webSocket : open) {
      try {
        if (webSocket.isClosed()) {
          open.remove(webSocket);
        } else {
          webSocket.writePing(EMPTY);
        }
      } catch (RuntimeException e) {
        // Closed between the check and the write: its end removes it.
        LOG.debugf(e, "ping not sent");
      }
    }
  }

  private WebSocketBase vertxSocket(WebSocket webSocket) {
    try {
      for (Class<?> type = webSocket.getClass(); type != null; type = type.getSuperclass()) {
        for (Field field : type.getDeclaredFields()) {
          if (WebSocketBase.class.isAssignableFrom(field.getType())) {
            field.setAccessible(true);
            return (WebSocketBase) field.get(webSocket);
          }
        }
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debugf(e, "no Vert.x websocket under %s", webSocket.getClass().getName());
    }
    if (!unsupportedReported) {
      unsupportedReported = true;
      LOG.warnf(
          "Exec streams are not pinged: the HTTP client's websocket (%s) offers no ping; an idle"
              + " stream may be cut by a load balancer, and the operator then follows the command"
              + " from the container",
          webSocket.getClass().getName());
    }
    return null;
  }
}
