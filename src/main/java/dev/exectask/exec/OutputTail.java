package dev.exectask.exec;

import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Keeps only the last {@code capacity} bytes written to it, so a command's output costs the
 * operator a fixed amount of memory however much the command prints.
 */
public final class OutputTail extends OutputStream {

  private final byte[] ring;
  private long total;

  public OutputTail(int capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be positive");
    }
    this.ring = new byte[capacity];
  }

  @Override
  public synchronized void write(int b) {
    ring[(int) (total % ring.length)] = (byte) b;
    total++;
  }

  @Override
  public void write(byte[] bytes) {
    write(bytes, 0, bytes.length);
  }

  @Override
  public synchronized void write(byte[] bytes, int offset, int length) {
    if (length >= ring.length) {
      offset += length - ring.length;
      total += length - ring.length;
      length = ring.length;
    }
    while (length > 0) {
      int position = (int) (total % ring.length);
      int chunk = Math.min(length, ring.length - position);
      System.arraycopy(bytes, offset, ring, position, chunk);
      offset += chunk;
      length -= chunk;
      total += chunk;
    }
  }

  public synchronized long totalBytes() {
    return total;
  }

  /** The kept bytes, oldest first. */
  synchronized byte[] tailBytes() {
    int kept = (int) Math.min(total, ring.length);
    byte[] out = new byte[kept];
    int start = (int) ((total - kept) % ring.length);
    int first = Math.min(kept, ring.length - start);
    System.arraycopy(ring, start, out, 0, first);
    System.arraycopy(ring, 0, out, first, kept - first);
    return out;
  }

  public CapturedOutput captured() {
    byte[] bytes;
    long seen;
    synchronized (this) {
      bytes = tailBytes();
      seen = total;
    }
    return new CapturedOutput(decodeTail(bytes, seen > bytes.length), seen);
  }

  /**
   * Decodes a tail as UTF-8. When the tail was cut, its first bytes may be the end of a character:
   * they are dropped rather than shown as replacement characters. Anything else that is not UTF-8
   * becomes U+FFFD, so the status is always valid UTF-8.
   */
  static String decodeTail(byte[] bytes, boolean cut) {
    int start = 0;
    if (cut) {
      while (start < bytes.length && start < 3 && (bytes[start] & 0xC0) == 0x80) {
        start++;
      }
    }
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    try {
      CharBuffer chars = decoder.decode(ByteBuffer.wrap(bytes, start, bytes.length - start));
      return chars.toString();
    } catch (CharacterCodingException e) {
      throw new IllegalStateException("a replacing decoder does not throw", e);
    }
  }
}
