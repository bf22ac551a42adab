package dev.exectask.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class LineDiffTest {

  @Test
  void showsRemovedAndAddedLinesWithTwoLinesOfContext() {
    List<String> committed = List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k");
    List<String> generated = List.of("a", "b", "c", "d", "E", "f", "g", "h", "i", "j", "k", "l");

    assertEquals(
        """
          c
          d
        - e
        + E
          f
          g
          ...
          j
          k
        + l
        """,
        LineDiff.between(committed, generated));
  }

  @Test
  void isEmptyForEqualFiles() {
    assertEquals("", LineDiff.between(List.of("a", "b"), List.of("a", "b")));
  }
}
