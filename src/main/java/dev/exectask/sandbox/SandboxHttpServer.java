package dev.exectask.sandbox;

import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.fabric8.mockwebserver.vertx.ServerWebSocketHandler;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.PemKeyCertOptions;
import java.lang.reflect.Field;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * The HTTP side of fabric8's MockWebServer, for what its own server cannot do: it offers only the
 * v1-v4 exec subprotocols (kubectl speaks v5), answers with whole bodies (kubectl watches over
 * chunked HTTP) and hides the websocket it writes to (exec output needs backpressure). Requests are
 * still answered by the dispatcher given to the mock server; its Vert.x instance is reused.
 */
final class SandboxHttpServer extends MockWebServer {

  private static final Logger LOG = Logger.getLogger(SandboxHttpServer.class);

  /** The sandbox's own read-only count of a pod's open exec connections. */
  static final Pattern EXEC_COUNT =
      Pattern.compile("/sandbox/v1/namespaces/([^/]+)/pods/([^/]+)/execs/?");

  /** How long kube-apiserver takes to give up dialing an unreachable kubelet. */
  static final long LOST_NODE_DIAL_MILLIS = 2000;

  private static final int MAX_WEBSOCKET_MESSAGE = 16 * 1024 * 1024;

  /** Go's http.DefaultMaxHeaderBytes, which kube-apiserver keeps. */
  private static final int MAX_REQUEST_HEAD = 1024 * 1024;

  private static final int REQUEST_THREADS = 8;

  /**
   * Event loops serving connections (TLS handshakes, websocket frames), one server each on the same
   * port: Vert.x hands each new connection to the next. One loop would queue every handshake behind
   * every frame of a thousand open exec streams.
   */
  private static final int EVENT_LOOPS = Math.max(2, Runtime.getRuntime().availableProcessors());

  private final Vertx vertx;
  private final ExecBackend execBackend;
  private final PemKeyCertOptions tls;
  private final ExecutorService threads;

  /**
   * Requests are answered here, off the event loops: a request that validates against a CRD or
   * waits for a write would otherwise hold up every TLS handshake and every frame of the
   * connections its loop serves. Writes to one object run one at a time (the dispatcher's locks),
   * reads in parallel.
   */
  private final ExecutorService requests;

  private final ExecConnections connections = new ExecConnections();
  private final AuditLog auditLog;
  private SandboxDispatcher dispatcher;
  private final List<HttpServer> servers = new ArrayList<>();
  private String host = "127.0.0.1";
  private volatile int port;

  /**
   * Serves HTTPS with the given certificate chain and key (PEM), as an API server does, recording
   * each request in {@code auditLog} (none if null).
   */
  SandboxHttpServer(ExecBackend execBackend, PemKeyCertOptions tls, AuditLog auditLog) {
    this.vertx = vertxOf(this);
    this.auditLog = auditLog;
    this.execBackend = execBackend;
    this.tls = tls;
    this.requests = Executors.newFixedThreadPool(REQUEST_THREADS, daemonThreads("sandbox-api-"));
    this.threads = Executors.newCachedThreadPool(daemonThreads("sandbox-exec-"));
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread thread = new Thread(r, prefix + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  @Override
  public void setDispatcher(Dispatcher dispatcher) {
    super.setDispatcher(dispatcher);
    this.dispatcher = (SandboxDispatcher) dispatcher;
    this.dispatcher.onPodWrite(connections::podWritten);
  }

  /** How many exec connections into the pod are open, hung ones included. */
  int openExecs(String namespace, String podName) {
    return connections.count(namespace, podName);
  }

  @Override
  public synchronized void start(InetAddress address, int requestedPort) {
    if (!servers.isEmpty()) {
      throw new IllegalStateException("start() already called");
    }
    host = address.getHostAddress();
    HttpServerOptions options =
        new HttpServerOptions()
            .setHost(host)
            .setPort(requestedPort)
            .setHttp2ClearTextEnabled(false)
            // HTTPS over HTTP/1.1 only (no ALPN): clients that offer h2 (kubectl) settle on
            // HTTP/1.1, which websocket exec needs anyway.
            .setSsl(true)
            .setKeyCertOptions(tls)
            .setUseAlpn(false)
            .setWebSocketSubProtocols(List.of(ExecSession.V5_PROTOCOL, ExecSession.V4_PROTOCOL))
            .setMaxWebSocketMessageSize(MAX_WEBSOCKET_MESSAGE)
            // An exec's argv travels in the query: scripts make URLs far longer than Vert.x's
            // 4 KiB default. Go's HTTP server, which the API server uses, allows 1 MiB of headers.
            .setMaxInitialLineLength(MAX_REQUEST_HEAD)
            .setMaxHeaderSize(MAX_REQUEST_HEAD)
            .setHandle100ContinueAutomatically(true);
    // Created from this (non-Vert.x) thread, each server gets an event loop of its own, and they
    // share the port. Any free port is asked for as -1: Vert.x shares a random port among the
    // servers that ask for the same negative one (servers on port 0 would get one each).
    if (requestedPort == 0) {
      options.setPort(-1);
    }
    for (int i = 0; i < EVENT_LOOPS; i++) {
      HttpServer server = vertx.createHttpServer(options).requestHandler(this::handle);
      servers.add(server);
      port = await(server.listen()).actualPort();
    }
    dispatcher.serverAddress(host + ":" + port);
  }

  @Override
  public synchronized void shutdown() {
    for (HttpServer server : servers) {
      await(server.close());
    }
    servers.clear();
    threads.shutdownNow();
    requests.shutdownNow();
    await(vertx.close());
  }

  @Override
  public int getPort() {
    return port;
  }

  @Override
  public String getHostName() {
    return host;
  }

  @Override
  public Proxy toProxyAddress() {
    return new Proxy(Proxy.Type.HTTP, new InetSocketAddress(host, port));
  }

  private void handle(HttpServerRequest request) {
    Instant received = auditLog == null ? null : auditLog.now();
    if (auditLog != null) {
      HttpServerResponse response = request.response();
      response.headersEndHandler(v -> audit(request, received, response.getStatusCode()));
    }
    try {
      route(request, received);
    } catch (RuntimeException e) {
      write(request.response(), failed(request, e));
    }
  }

  private void route(HttpServerRequest request, Instant received) {
    QueryStringDecoder uri = new QueryStringDecoder(request.uri());
    Map<String, List<String>> query = uri.parameters();
    Matcher execCount = EXEC_COUNT.matcher(uri.path());
    if (execCount.matches() && request.method() == io.vertx.core.http.HttpMethod.GET) {
      int open = connections.count(execCount.group(1), execCount.group(2));
      write(request.response(), SandboxDispatcher.json(200, "{\"open\":" + open + "}"));
      return;
    }
    boolean upgrade = "websocket".equalsIgnoreCase(request.getHeader("Upgrade"));
    Optional<ResourcePath> target = ResourcePath.parse(uri.path());
    if (podSubresource(target, "exec")) {
      exec(request, received, target.get(), query, upgrade);
    } else if (podSubresource(target, "log")
        && request.method() == io.vertx.core.http.HttpMethod.GET) {
      Context loop = vertx.getOrCreateContext();
      ResourcePath pod = target.get();
      offLoop(
          requests,
          request,
          () -> {
            MockResponse answer = podLog(pod, query);
            loop.runOnContext(v -> write(request.response(), answer));
          });
    } else if (request.method() == io.vertx.core.http.HttpMethod.GET
        && !upgrade
        && SandboxDispatcher.isTrue(SandboxDispatcher.first(query, "watch"))) {
      httpWatch(request, query);
    } else if (upgrade) {
      dispatch(request, received);
    } else {
      Context loop = vertx.getOrCreateContext();
      request
          .body()
          .onSuccess(body -> answerOffLoop(request, body, loop))
          .onFailure(e -> request.response().setStatusCode(500).end());
    }
  }

  /** Whether the request is for the {@code subresource} of a pod (the kubelet's business). */
  private static boolean podSubresource(Optional<ResourcePath> target, String subresource) {
    return target.isPresent()
        && target.get().group().isEmpty()
        && target.get().plural().equals("pods")
        && subresource.equals(target.get().subresource());
  }

  /**
   * Dispatches a plain request on {@link #requests}; the answer is written on the event loop. A
   * protobuf body (kubectl's typed commands) is read as JSON first.
   */
  private void answerOffLoop(HttpServerRequest request, Buffer body, Context loop) {
    RecordedRequest recorded = recorded(request, body);
    offLoop(
        requests,
        request,
        () -> {
          MockResponse answer;
          try {
            answer = answer(request, asJson(recorded));
          } catch (ProtobufBodies.UndecodableBody e) {
            answer = SandboxDispatcher.json(ApiStatus.undecodableProtobuf(e.getMessage()));
          }
          MockResponse answered = answer;
          loop.runOnContext(v -> write(request.response(), answered));
        });
  }

  /** The request with a protobuf body as the same request with its JSON; others as they are. */
  private static RecordedRequest asJson(RecordedRequest recorded)
      throws ProtobufBodies.UndecodableBody {
    if (!ProtobufBodies.isProtobuf(recorded.getHeader("Content-Type"))) {
      return recorded;
    }
    byte[] json = ProtobufBodies.toJson(recorded.getBody().getBytes());
    return new RecordedRequest(
        recorded.getHttpVersion(),
        recorded.method(),
        recorded.getPath(),
        recorded.getHeaders().newBuilder().set("Content-Type", "application/json").build(),
        new io.fabric8.mockwebserver.http.Buffer(json));
  }

  /**
   * {@code pods/log}: the container's log as plain text, its last {@code tailLines} lines and at
   * most {@code limitBytes}. {@code follow} answers what is there and ends, where a cluster would
   * go on streaming.
   */
  private MockResponse podLog(ResourcePath pod, Map<String, List<String>> query) {
    byte[] log;
    try {
      log =
          execBackend.log(
              pod.namespace(),
              pod.name(),
              Objects.requireNonNullElse(SandboxDispatcher.first(query, "container"), ""),
              SandboxDispatcher.isTrue(SandboxDispatcher.first(query, "previous")));
    } catch (ExecBackend.LogRefused e) {
      return SandboxDispatcher.json(ApiStatus.of(e.code, e.reason, e.getMessage()));
    } catch (RuntimeException e) {
      return SandboxDispatcher.json(ApiStatus.internalError(String.valueOf(e.getMessage())));
    }
    long tail = parseLong(SandboxDispatcher.first(query, "tailLines"));
    if (tail > 0) {
      log = java.util.Arrays.copyOfRange(log, lastLines(log, tail), log.length);
    }
    long limit = parseLong(SandboxDispatcher.first(query, "limitBytes"));
    if (limit > 0 && limit < log.length) {
      log = java.util.Arrays.copyOf(log, (int) limit);
    }
    return new MockResponse()
        .setResponseCode(200)
        .setHeader("Content-Type", "text/plain")
        .setBody(log);
  }

  /**
   * Where the last {@code lines} lines of {@code text} start (0 when it has fewer); a last line
   * without its newline counts as a line too.
   */
  static int lastLines(byte[] text, long lines) {
    int end = text.length > 0 && text[text.length - 1] == '\n' ? text.length - 1 : text.length;
    long seen = 0;
    for (int i = end - 1; i >= 0; i--) {
      if (text[i] == '\n' && ++seen == lines) {
        return i + 1;
      }
    }
    return 0;
  }

  /** Runs {@code work} on {@code pool}; a server shutting down answers 503 instead. */
  private static void offLoop(ExecutorService pool, HttpServerRequest request, Runnable work) {
    try {
      pool.execute(work);
    } catch (java.util.concurrent.RejectedExecutionException shuttingDown) {
      request.response().setStatusCode(503).end();
    }
  }

  /** The dispatcher's answer; an error of its own becomes a 500 Status, as an API server's. */
  private MockResponse answer(HttpServerRequest request, RecordedRequest recorded) {
    try {
      return dispatcher.dispatch(recorded);
    } catch (RuntimeException e) {
      return failed(request, e);
    }
  }

  /** A failure of the sandbox's own, answered as an API server's 500 Status. */
  private static MockResponse failed(HttpServerRequest request, RuntimeException e) {
    LOG.errorf(e, "sandbox API failed on %s %s", request.method(), request.uri());
    return SandboxDispatcher.json(ApiStatus.internalError(String.valueOf(e)));
  }

  private void dispatch(HttpServerRequest request, Instant received) {
    RecordedRequest recorded = recorded(request, null);
    MockResponse response = answer(request, recorded);
    if (response.getWebSocketListener() != null) {
      MockResponse upgraded = response;
      request
          .toWebSocket()
          .onSuccess(webSocket -> audit(request, received, 101))
          .onSuccess(new ServerWebSocketHandler(recorded, upgraded))
          .onFailure(e -> LOG.debugf(e, "websocket upgrade of %s failed", request.uri()));
      return;
    }
    write(request.response(), response);
  }

  /**
   * Records an answered request; plain responses are recorded as their head is written, upgrades to
   * a websocket (which write no response head through Vert.x) as they succeed.
   */
  private void audit(HttpServerRequest request, Instant received, int code) {
    if (auditLog != null) {
      auditLog.record(
          received,
          request.method().name(),
          request.uri(),
          request.getHeader("Authorization"),
          code);
    }
  }

  /**
   * Admits the exec off the event loop (reading the pod waits for any write in progress, as every
   * read of the store does), then upgrades it back on the loop; the request stays paused between.
   * The check runs on the exec threads, not the request threads: an exec, a kill above all, does
   * not queue behind a burst of writes.
   */
  private void exec(
      HttpServerRequest request,
      Instant received,
      ResourcePath target,
      Map<String, List<String>> query,
      boolean upgrade) {
    Context loop = vertx.getOrCreateContext();
    request.pause();
    offLoop(
        threads,
        request,
        () -> {
          MockResponse refused;
          try {
            ExecRequest checked =
                dispatcher.checkExec(
                    ExecRequest.fromQuery(target.namespace(), target.name(), query));
            loop.runOnContext(v -> execChecked(request, received, checked, upgrade));
            return;
          } catch (SandboxDispatcher.ApiException e) {
            refused = SandboxDispatcher.json(e.error);
          } catch (RuntimeException e) {
            refused = failed(request, e);
          }
          MockResponse answer = refused;
          loop.runOnContext(v -> write(request.response(), answer));
        });
  }

  private void execChecked(
      HttpServerRequest request, Instant received, ExecRequest checked, boolean upgrade) {
    if (checked.nodeLost() && request.getHeader("Upgrade") != null) {
      // The API server dials the kubelet before it upgrades the client, and times out, whatever
      // the protocol: kubectl's fallback to SPDY meets the same error.
      vertx.setTimer(
          LOST_NODE_DIAL_MILLIS,
          id ->
              write(
                  request.response(),
                  SandboxDispatcher.json(500, ExecStatus.unreachableKubelet())));
      return;
    }
    if (!upgrade) {
      ApiStatus.Error error =
          ApiStatus.badRequest(
              "Upgrade request required: the sandbox serves exec over WebSocket ("
                  + ExecSession.V5_PROTOCOL
                  + ", "
                  + ExecSession.V4_PROTOCOL
                  + ")");
      write(request.response(), SandboxDispatcher.json(error));
      return;
    }
    HttpConnection connection = request.connection();
    request
        .toWebSocket()
        .onSuccess(webSocket -> audit(request, received, 101))
        .onSuccess(
            webSocket ->
                new ExecSession(
                        checked, webSocket, connection, vertx.getOrCreateContext(), connections)
                    .start(execBackend, threads))
        .onFailure(e -> LOG.debugf(e, "exec upgrade of %s failed", request.uri()));
  }

  /** A watch over a chunked HTTP response, one JSON event per line, as kubectl reads it. */
  private void httpWatch(HttpServerRequest request, Map<String, List<String>> query) {
    RecordedRequest recorded = recorded(request, null);
    WebSocketListener listener;
    try {
      listener = dispatcher.watch(recorded);
    } catch (SandboxDispatcher.ApiException e) {
      write(request.response(), SandboxDispatcher.json(e.error));
      return;
    } catch (IllegalArgumentException e) {
      write(
          request.response(),
          SandboxDispatcher.json(ApiStatus.badRequest(String.valueOf(e.getMessage()))));
      return;
    }
    HttpServerResponse response = request.response();
    response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "application/json");
    response.writeHead();
    Context context = vertx.getOrCreateContext();
    AtomicBoolean open = new AtomicBoolean(true);
    WebSocket stream =
        new WebSocket() {
          @Override
          public RecordedRequest request() {
            return recorded;
          }

          @Override
          public boolean send(String text) {
            return send(text.getBytes(StandardCharsets.UTF_8));
          }

          @Override
          public boolean send(byte[] bytes) {
            Buffer line = Buffer.buffer(bytes).appendString("\n");
            context.runOnContext(
                v -> {
                  if (open.get() && !response.ended()) {
                    response.write(line);
                  }
                });
            return open.get();
          }

          @Override
          public boolean close(int code, String reason) {
            end();
            return true;
          }

          private void end() {
            if (open.compareAndSet(true, false)) {
              context.runOnContext(
                  v -> {
                    if (!response.ended() && !response.closed()) {
                      response.end();
                    }
                  });
              threads.execute(() -> listener.onClosed(this, 1000, "watch ended"));
            }
          }
        };
    response.closeHandler(v -> stream.close(1000, "client went away"));
    long timeoutSeconds = parseLong(SandboxDispatcher.first(query, "timeoutSeconds"));
    if (timeoutSeconds > 0) {
      vertx.setTimer(
          TimeUnit.SECONDS.toMillis(timeoutSeconds), id -> stream.close(1000, "timeout"));
    }
    listener.onOpen(stream, null);
  }

  private static void write(HttpServerResponse response, MockResponse answer) {
    response.setStatusCode(answer.code());
    answer
        .getHeaders()
        .toMultimap()
        .forEach((name, values) -> response.headers().add(name, values));
    byte[] body = answer.getBody() == null ? new byte[0] : answer.getBody().getBytes();
    response.end(Buffer.buffer(body));
  }

  private static RecordedRequest recorded(HttpServerRequest request, Buffer body) {
    return new RecordedRequest(
        request.version().alpnName().toUpperCase(java.util.Locale.ROOT),
        HttpMethod.fromVertx(request.method()),
        request.uri(),
        Headers.builder().addAll(request.headers()).build(),
        new io.fabric8.mockwebserver.http.Buffer(body == null ? new byte[0] : body.getBytes()));
  }

  private static long parseLong(String value) {
    try {
      return value == null ? 0 : Long.parseLong(value);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (Exception e) {
      throw new IllegalStateException("the sandbox API server failed to start or stop", e);
    }
  }

  /** MockWebServer builds its Vert.x instance in its constructor and offers no way to reach it. */
  private static Vertx vertxOf(MockWebServer server) {
    try {
      Field field = MockWebServer.class.getDeclaredField("vertx");
      field.setAccessible(true);
      return (Vertx) field.get(server);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "fabric8 MockWebServer has no Vert.x instance to serve on", e);
    }
  }
}
