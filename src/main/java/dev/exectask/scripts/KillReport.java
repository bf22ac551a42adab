package dev.exectask.scripts;

/**
 * What the killer script did: how many processes of the task's tree it signalled (the wrapper not
 * counted) and how many were still alive when it gave up.
 */
public record KillReport(int signalled, int remaining) {

  public KillReport {
    if (signalled < 0 || remaining < 0) {
      throw new IllegalArgumentException(
          "counts must not be negative: signalled=" + signalled + " remaining=" + remaining);
    }
  }

  /** True when every process of the tree is confirmed gone (zombies count as gone). */
  public boolean confirmed() {
    return remaining == 0;
  }
}
