package dev.exectask.exec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OutputTailTest {

  @Test
  void keepsEverythingWhileUnderCapacity() {
    OutputTail tail = new OutputTail(16);
    tail.write("hello ".getBytes(StandardCharsets.UTF_8));
    tail.write("world".getBytes(StandardCharsets.UTF_8));
    assertEquals(new CapturedOutput("hello world", 11), tail.captured());
  }

  @Test
  void keepsOnlyTheLastBytesAndCountsAll() {
    OutputTail tail = new OutputTail(8);
    for (int i = 0; i < 1000; i++) {
      tail.write(String.format("%04d\n", i).getBytes(StandardCharsets.UTF_8));
    }
    tail.write('!');
    CapturedOutput out = tail.captured();
    assertEquals(5001, out.totalBytes());
    assertEquals("8\n0999\n!", out.tail());
    assertEquals(8, out.tail().getBytes(StandardCharsets.UTF_8).length);
  }

  @Test
  void aWriteLargerThanTheTailKeepsItsEnd() {
    OutputTail tail = new OutputTail(4);
    tail.write("abcdefghij".getBytes(StandardCharsets.UTF_8), 1, 8);
    assertEquals(new CapturedOutput("fghi", 8), tail.captured());
  }

  @Test
  void aCharacterCutByTheTailIsDroppedNotMangled() {
    OutputTail tail = new OutputTail(5);
    // "é" is two bytes; the tail keeps its second byte, which must not show as garbage.
    tail.write("xé€ok".getBytes(StandardCharsets.UTF_8));
    CapturedOutput out = tail.captured();
    assertEquals("€ok", out.tail());
    assertEquals(8, out.totalBytes());
  }

  @Test
  void invalidUtf8BecomesReplacementCharacters() {
    OutputTail tail = new OutputTail(16);
    tail.write(new byte[] {'a', (byte) 0xff, 'b'});
    assertEquals("a\uFFFDb", tail.captured().tail());
  }

  @Test
  void heapUseDoesNotGrowWithOutput() {
    OutputTail tail = new OutputTail(4096);
    byte[] chunk = new byte[64 * 1024];
    for (int i = 0; i < 320; i++) {
      tail.write(chunk);
    }
    assertEquals(20L * 1024 * 1024, tail.captured().totalBytes());
    assertTrue(tail.tailBytes().length == 4096);
  }
}
