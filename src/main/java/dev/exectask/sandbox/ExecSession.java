package dev.exectask.sandbox;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * One exec stream as the kubelet serves it: the command's stdio relayed over a websocket speaking
 * {@code v4.channel.k8s.io} or {@code v5.channel.k8s.io}, its exit status on the error channel.
 * Like every container runtime, a closed or dropped connection leaves the command running: its
 * output is then read and discarded so it never blocks on a full pipe.
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

  private final ExecRequest request;
  private final ServerWebSocket webSocket;
  private final Context context;
  private final boolean halfCloseSupported;
  private final Object unsentLock = new Object();
  private long unsentBytes;
  private volatile boolean attached = true;
  private final LinkedBlockingQueue<byte[]> stdinQueue = new LinkedBlockingQueue<>();
  private final AtomicLong stdinQueuedBytes = new AtomicLong();
  private volatile boolean stdinPaused;

  ExecSession(ExecRequest request, ServerWebSocket webSocket, Context context) {
    this.request = request;
    this.webSocket = webSocket;
    this.context = context;
    this.halfCloseSupported = V5_PROTOCOL.equals(webSocket.subProtocol());
  }

  /** Called on the websocket's event loop right after the upgrade. */
  void start(ExecBackend backend, ExecutorService threads) {
    webSocket.binaryMessageHandler(this::onFrame);
    webSocket.closeHandler(v -> detach());
    webSocket.exceptionHandler(e -> detach());
    send(request.readyChannel(), new byte[0], 0);
    threads.execute(() -> run(backend, threads));
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
    int exitCode;
    try {
      exitCode = process.waitFor();
      CompletableFuture.allOf(stdout, stderr).join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      detach();
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
    if (!attached) {
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
        stdin.write(data);
        stdin.flush();
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
