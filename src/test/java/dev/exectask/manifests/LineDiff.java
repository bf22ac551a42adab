package dev.exectask.manifests;

import java.util.ArrayList;
import java.util.List;

/** A minimal line diff: unchanged lines near a change as context, removed '-', added '+'. */
final class LineDiff {
  private static final int CONTEXT = 2;

  private LineDiff() {}

  static String between(List<String> before, List<String> after) {
    int[][] common = new int[before.size() + 1][after.size() + 1];
    for (int i = before.size() - 1; i >= 0; i--) {
      for (int j = after.size() - 1; j >= 0; j--) {
        common[i][j] =
            before.get(i).equals(after.get(j))
                ? common[i + 1][j + 1] + 1
                : Math.max(common[i + 1][j], common[i][j + 1]);
      }
    }
    List<String> lines = new ArrayList<>();
    int i = 0;
    int j = 0;
    while (i < before.size() || j < after.size()) {
      if (i < before.size() && j < after.size() && before.get(i).equals(after.get(j))) {
        lines.add("  " + before.get(i));
        i++;
        j++;
      } else if (i < before.size() && (j == after.size() || common[i + 1][j] >= common[i][j + 1])) {
        lines.add("- " + before.get(i++));
      } else {
        lines.add("+ " + after.get(j++));
      }
    }
    return keepNearChanges(lines);
  }

  private static String keepNearChanges(List<String> lines) {
    StringBuilder out = new StringBuilder();
    int lastPrinted = -1;
    for (int k = 0; k < lines.size(); k++) {
      boolean nearChange = false;
      for (int d = -CONTEXT; d <= CONTEXT && !nearChange; d++) {
        int n = k + d;
        nearChange = n >= 0 && n < lines.size() && !lines.get(n).startsWith("  ");
      }
      if (nearChange) {
        if (lastPrinted >= 0 && k > lastPrinted + 1) {
          out.append("  ...\n");
        }
        out.append(lines.get(k)).append('\n');
        lastPrinted = k;
      }
    }
    return out.toString();
  }
}
