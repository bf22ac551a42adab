package dev.exectask.sandbox;

import dev.exectask.sandbox.node.EmulatedNode;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.ServerWebSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * One exec stream as the kubelet serves it: the command's stdio relayed over a websocket speaking
 * {@code v4.channel.k8s.io} or {@code v5.channel.k8s.io}, its exit status on the error channel.
 * Like every container runtime, a closed or dropped connection leaves the command running: its
 * output is then read and discarded so it never blocks on a full pipe.
 *
 * <p>The pod's {@code sandbox.exectask.dev/exec-fault} annotation, read when the request arrived,
 * can make the stream hang (no process, nothing sent) or fail mid-stream (cut after 1 KiB of stdin,
 * or 300 ms when no stdin comes); {@link #sever()} cuts it as a load balancer does. See {@link
 * EmulatedNode} for the knobs.
 */
final class ExecSession {

  static final String V4_PROTOCOL = "v4.channel.k8s.io";
  static final String V5_PROTOCOL = "v5.channel.k8s.io";
  static final byte STDIN = 0;
  static final byte STDOUT = 1;
  static final byte STDERR = 2;
  static final byte ERROR = 3;

  /** v5 only: {@code [255, channel]} half-closes that channel (stdin). */
  static final int CLOSE_SIGNAL = 255;

  private static final Logger LOG = Logger.getLogger(ExecSession.class);
  private static final int READ_SIZE = 32 * 1024;
  private static final long MAX_UNSENT_BYTES = 1024 * 1024;
  private static final long STDIN_PAUSE_BYTES = 1024 * 1024;
  private static final long STDIN_RESUME_BYTES = 256 * 1024;
  private static final byte[] END_OF_STDIN = new byte[0];

  /** fail-mid-stream: stdin relayed before the cut. */
  static final int FAULT_STDIN_BYTES = 1024;

  /** fail-mid-stream: when the cut comes if the client sent no stdin by then. */
  static final long FAULT_NO_STDIN_MILLIS = 300;

  /** What the pod's {@code exec-fault} annotation makes of this stream. */
  enum Fault {
    NONE,
    HANG,
    FAIL_MID_STREAM;

    static Fault of(ExecRequest request) {
      String value = request.execFault();
      if (value == null) {
        return NONE;
      }
      return switch (value) {
        case EmulatedNode.HANG -> HANG;
        case EmulatedNode.FAIL_MID_STREAM -> FAIL_MID_STREAM;
        default -> {
          LOG.warnf(
              "Pod %s/%s: unknown %s value \"%s\" ignored (known: %s, %s)",
              request.namespace(),
              request.podName(),
              EmulatedNode.EXEC_FAULT_ANNOTATION,
              value,
              EmulatedNode.HANG,
              EmulatedNode.FAIL_MID_STREAM);
          yield NONE;
        }
      };
    }
  }

  private final ExecRequest request;
  private final ServerWebSocket webSocket;
  private final HttpConnection connection;
  private final Context context;
  private final ExecConnections connections;
  private final Fault fault;
  private final AtomicBoolean ended = new AtomicBoolean();
  private final AtomicLong stdinRelayed = new AtomicLong();
  private volatile boolean stdinSeen;
  private final boolean halfCloseSupported;
  private final Object unsentLock = new Object();
  private long unsentBytes;
  private volatile boolean attached = true;
  private final LinkedBlockingQueue<byte[]> stdinQueue = new LinkedBlockingQueue<>();
  private final AtomicLong stdinQueuedBytes = new AtomicLong();
  private volatile boolean stdinPaused;
  private volatile long lastTrafficNanos = System.nanoTime();

  ExecSession(
      ExecRequest request,
      ServerWebSocket webSocket,
      HttpConnection connection,
      Context context,
      ExecConnections connections) {
    this.request = request;
    this.webSocket = webSocket;
    this.connection = connection;
    this.context = context;
    this.connections = connections;
    this.fault = Fault.of(request);
    this.halfCloseSupported = V5_PROTOCOL.equals(webSocket.subProtocol());
  }

  ExecRequest request() {
    return request;
  }

  /** Called on the websocket's event loop right after the upgrade. */
  void start(ExecBackend backend, ExecutorService threads) {
    webSocket.binaryMessageHandler(this::onFrame);
    webSocket.closeHandler(
        v -> {
          detach();
          connections.closed(this);
        });
    webSocket.exceptionHandler(e -> detach());
    connections.opened(this);
    cutWhenIdle();
    if (fault == Fault.HANG) {
      // The kubelet never answers: no process, no frame, until the client gives up.
      return;
    }
    send(request.readyChannel(), new byte[0], 0);
    threads.execute(() -> run(backend, threads));
  }

  /**
   * Cuts the connection as a load balancer or a restarting API server does: no status on the error
   * channel, no close frame. The command runs on; its stdin ends.
   */
  void sever() {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    detach();
    context.runOnContext(v -> connection.close());
  }

  /**
   * {@code exec-idle-timeout}: severs the stream once no frame went either way for that long. The
   * frame handler sees every frame the client sends, pings included (Vert.x answers them itself).
   */
  private void cutWhenIdle() {
    long idleMillis = request.idleTimeoutMillis();
    if (idleMillis <= 0) {
      return;
    }
    webSocket.frameHandler(frame -> lastTrafficNanos = System.nanoTime());
    long checkMillis = Math.max(10, Math.min(1000, idleMillis / 10));
    long timer =
        context
            .owner()
            .setPeriodic(
                checkMillis,
                id -> {
                  if (ended.get() || !attached) {
                    context.owner().cancelTimer(id);
                  } else if (System.nanoTime() - lastTrafficNanos >= idleMillis * 1_000_000) {
                    LOG.debugf(
                        "exec into %s/%s idle for %d ms: cut",
                        request.namespace(), request.podName(), idleMillis);
                    context.owner().cancelTimer(id);
                    sever();
                  }
                });
    webSocket.closeHandler(
        v -> {
          context.owner().cancelTimer(timer);
          detach();
          connections.closed(this);
        });
  }

  private void run(ExecBackend backend, ExecutorService threads) {
    Process process;
    try {
      process =
          backend.exec(
              request.namespace(), request.podName(), request.container(), request.command());
    } catch (Exception e) {
      finish(ExecStatus.internalError(String.valueOf(e.getMessage())));
      return;
    }
    CompletableFuture<Void> stdout =
        CompletableFuture.runAsync(
            () -> pump(process.getInputStream(), STDOUT, request.stdout()), threads);
    CompletableFuture<Void> stderr =
        CompletableFuture.runAsync(
            () -> pump(process.getErrorStream(), STDERR, request.stderr()), threads);
    if (request.stdin()) {
      threads.execute(() -> feedStdin(process.getOutputStream()));
    } else {
      closeQuietly(process.getOutputStream());
    }
    if (fault == Fault.FAIL_MID_STREAM) {
      context
          .owner()
          .setTimer(
              FAULT_NO_STDIN_MILLIS,
              id -> {
                if (!stdinSeen) {
                  sever();
                }
              });
    }
    int exitCode;
    try {
      exitCode = process.waitFor();
      CompletableFuture.allOf(stdout, stderr).join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      detach();
      return;
    }
    if (fault == Fault.FAIL_MID_STREAM) {
      // The stream fails before its end: the exit status never reaches the client.
      sever();
      return;
    }
    finish(
        exitCode == 0
            ? ExecStatus.success()
            : ExecStatus.nonZeroExitCode(request.command(), exitCode));
  }

  private void pump(InputStream in, byte channel, boolean relay) {
    byte[] buffer = new byte[READ_SIZE];
    try (in) {
      int read;
      while ((read = in.read(buffer)) >= 0) {
        if (relay && read > 0) {
          send(channel, buffer, read);
        }
      }
    } catch (IOException e) {
      LOG.debugf(e, "exec output of %s/%s ended", request.namespace(), request.podName());
    }
  }

  /** Queues one frame and blocks while too much is unsent, so a slow client slows the command. */
  private void send(byte channel, byte[] data, int length) {
    if (!attached) {
      return;
    }
    Buffer frame = Buffer.buffer(length + 1).appendByte(channel).appendBytes(data, 0, length);
    synchronized (unsentLock) {
      unsentBytes += frame.length();
    }
    lastTrafficNanos = System.nanoTime();
    context.runOnContext(
        v -> {
          try {
            webSocket.writeBinaryMessage(frame).onComplete(done -> sent(frame.length()));
          } catch (IllegalStateException closed) {
            sent(frame.length());
          }
        });
    synchronized (unsentLock) {
      while (attached && unsentBytes > MAX_UNSENT_BYTES) {
        try {
          unsentLock.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void sent(int length) {
    synchronized (unsentLock) {
      unsentBytes -= length;
      unsentLock.notifyAll();
    }
  }

  private void finish(String status) {
    if (!attached || !ended.compareAndSet(false, true)) {
      return;
    }
    byte[] bytes = status.getBytes(StandardCharsets.UTF_8);
    send(ERROR, bytes, bytes.length);
    context.runOnContext(
        v -> {
          if (!webSocket.isClosed()) {
            webSocket.close((short) 1000);
          }
        });
  }

  /** The client went away: stop relaying, keep the command running, end its stdin. */
  private void detach() {
    attached = false;
    stdinQueue.offer(END_OF_STDIN);
    synchronized (unsentLock) {
      unsentLock.notifyAll();
    }
  }

  private void onFrame(Buffer frame) {
    if (frame.length() == 0) {
      return;
    }
    int channel = frame.getUnsignedByte(0);
    if (channel == STDIN && request.stdin() && frame.length() > 1) {
      stdinSeen = true;
      byte[] data = frame.getBytes(1, frame.length());
      if (stdinQueuedBytes.addAndGet(data.length) > STDIN_PAUSE_BYTES && !stdinPaused) {
        stdinPaused = true;
        webSocket.pause();
      }
      stdinQueue.offer(data);
    } else if (channel == CLOSE_SIGNAL
        && halfCloseSupported
        && frame.length() > 1
        && frame.getByte(1) == STDIN) {
      stdinQueue.offer(END_OF_STDIN);
    }
    // Resize events (channel 4) have no meaning without a terminal; other channels are not ours.
  }

  private void feedStdin(OutputStream stdin) {
    try (stdin) {
      while (true) {
        byte[] data = stdinQueue.take();
        if (data == END_OF_STDIN) {
          return;
        }
        int length = data.length;
        if (fault == Fault.FAIL_MID_STREAM) {
          length = (int) Math.min(length, FAULT_STDIN_BYTES - stdinRelayed.get());
        }
        stdin.write(data, 0, length);
        stdin.flush();
        if (fault == Fault.FAIL_MID_STREAM && stdinRelayed.addAndGet(length) >= FAULT_STDIN_BYTES) {
          sever();
          return;
        }
        if (stdinQueuedBytes.addAndGet(-data.length) < STDIN_RESUME_BYTES && stdinPaused) {
          stdinPaused = false;
          context.runOnContext(v -> webSocket.resume());
        }
      }
    } catch (IOException e) {
      LOG.debugf(e, "stdin of exec in %s/%s closed", request.namespace(), request.podName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(OutputStream stream) {
    try {
      stream.close();
    } catch (IOException ignored) {
      // The command exited already: nothing to close.
    }
  }
}
