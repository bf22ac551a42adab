package dev.exectask.scripts;

import java.time.Instant;

/**
 * What the killer script did: how many processes of the task's tree it signalled (the wrapper not
 * counted), how many were still alive when it gave up, and the exit the wrapper had recorded for
 * the command (null when none; {@code exitedAt} null where the container has no date(1)).
 */
public record KillReport(int signalled, int remaining, Integer exitCode, Instant exitedAt) {

  public KillReport {
    if (signalled < 0 || remaining < 0) {
      throw new IllegalArgumentException(
          "counts must not be negative: signalled=" + signalled + " remaining=" + remaining);
    }
  }

  public KillReport(int signalled, int remaining) {
    this(signalled, remaining, null, null);
  }

  /** True when every process of the tree is confirmed gone (zombies count as gone). */
  public boolean confirmed() {
    return remaining == 0;
  }
}
