package dev.exectask.sandbox.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.Objects;

/**
 * The caller's end of an exec's stdout or stderr. A pump thread moves the command's output into a
 * bounded buffer until every writer in the container has closed it; once the caller closes this
 * stream the pump discards instead, so the command never meets a closed pipe (no SIGPIPE), as with
 * a real runtime whose client went away.
 */
final class OutputRelay extends InputStream {
  private static final int CAPACITY = 64 * 1024;

  private final byte[] buffer = new byte[CAPACITY];
  private int head;
  private int size;
  private boolean ended;
  private boolean closed;

  /**
   * Starts a daemon thread that relays {@code source} into a new relay until end of stream, then
   * closes {@code source}.
   */
  static OutputRelay pump(InputStream source, String threadName) {
    OutputRelay relay = new OutputRelay();
    Thread pump =
        new Thread(
            () -> {
              byte[] chunk = new byte[8192];
              try (source) {
                for (int n; (n = source.read(chunk)) >= 0; ) {
                  relay.offer(chunk, n);
                }
              } catch (IOException e) {
                // The pipe broke on the container's side: nothing more will come.
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              } finally {
                relay.end();
              }
            },
            threadName);
    pump.setDaemon(true);
    pump.start();
    return relay;
  }

  private synchronized void offer(byte[] chunk, int length) throws InterruptedException {
    int offset = 0;
    while (offset < length) {
      while (!closed && size == CAPACITY) {
        wait();
      }
      if (closed) {
        return;
      }
      int tail = (head + size) % CAPACITY;
      int n = Math.min(length - offset, Math.min(CAPACITY - size, CAPACITY - tail));
      System.arraycopy(chunk, offset, buffer, tail, n);
      size += n;
      offset += n;
      notifyAll();
    }
  }

  private synchronized void end() {
    ended = true;
    notifyAll();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public synchronized int read(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    if (len == 0) {
      return 0;
    }
    try {
      while (size == 0 && !ended && !closed) {
        wait();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the command's output");
    }
    if (closed) {
      throw new IOException("Stream closed");
    }
    if (size == 0) {
      return -1;
    }
    int n = Math.min(len, Math.min(size, CAPACITY - head));
    System.arraycopy(buffer, head, b, off, n);
    head = (head + n) % CAPACITY;
    size -= n;
    notifyAll();
    return n;
  }

  @Override
  public synchronized int available() throws IOException {
    if (closed) {
      throw new IOException("Stream closed");
    }
    return size;
  }

  @Override
  public synchronized void close() {
    closed = true;
    size = 0;
    notifyAll();
  }
}
