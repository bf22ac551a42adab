package dev.exectask.reconciler;

import java.time.Duration;
import java.time.Instant;

/**
 * The progress writes all running tasks share: a token bucket of {@code perSecond} writes a second,
 * holding at most one second's worth. Each task's own interval already spreads its writes out (see
 * {@link TaskDecider#progressInterval}); this holds the sum to the bound when many tasks come due
 * at once, as after a burst of starts. Verdicts, deadlines and kills never take from it.
 */
final class ProgressBudget {

  private final double perSecond;
  private final double capacity;
  private double tokens;
  private Instant refilled;

  /**
   * @param perSecond writes a second; 0 or less: no bound
   */
  ProgressBudget(double perSecond) {
    this.perSecond = perSecond;
    this.capacity = Math.max(1, perSecond);
    this.tokens = capacity;
  }

  /**
   * Takes one write at {@code now}: null when it may go now, else how long until one may (the write
   * is not taken then).
   */
  synchronized Duration take(Instant now) {
    if (!(perSecond > 0)) {
      return null;
    }
    if (refilled == null) {
      refilled = now;
    } else if (now.isAfter(refilled)) {
      double seconds = Duration.between(refilled, now).toNanos() / 1e9;
      tokens = Math.min(capacity, tokens + seconds * perSecond);
      refilled = now;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return null;
    }
    return Duration.ofNanos((long) Math.ceil((1 - tokens) / perSecond * 1e9));
  }
}
