package dev.exectask.reconciler;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** RFC 3339 timestamps and human durations as the status shows them. */
public final class Times {

  private Times() {}

  /**
   * Millisecond precision, not the API's usual seconds: the deadline counts from startTime, and a
   * start rounded down would cut up to a second off short timeouts.
   */
  public static String format(Instant instant) {
    return DateTimeFormatter.ISO_INSTANT.format(instant.truncatedTo(ChronoUnit.MILLIS));
  }

  /** {@code instant + seconds}, or {@link Instant#MAX} where that is past what time can hold. */
  public static Instant plus(Instant instant, long seconds) {
    try {
      return instant.plusSeconds(seconds);
    } catch (java.time.DateTimeException | ArithmeticException tooFar) {
      return Instant.MAX;
    }
  }

  /** {@code duration + seconds}, saturating instead of overflowing. */
  public static Duration plus(Duration duration, long seconds) {
    try {
      return duration.plusSeconds(seconds);
    } catch (ArithmeticException tooLong) {
      return Duration.ofSeconds(Long.MAX_VALUE);
    }
  }

  public static Instant parse(String rfc3339) {
    return rfc3339 == null
        ? null
        : Instant.from(DateTimeFormatter.ISO_OFFSET_DATE_TIME.parse(rfc3339));
  }

  /**
   * Like kubectl's durations: {@code 850ms}, {@code 4.2s}, {@code 12s}, {@code 3m5s}, {@code 2h1m}.
   */
  public static String human(Duration d) {
    long millis = Math.max(0, d.toMillis());
    if (millis < 1000) {
      return millis + "ms";
    }
    if (millis < 10_000) {
      return String.format(java.util.Locale.ROOT, "%.1fs", millis / 1000.0);
    }
    long seconds = millis / 1000;
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return (seconds / 60) + "m" + (seconds % 60) + "s";
    }
    return (seconds / 3600) + "h" + ((seconds % 3600) / 60) + "m";
  }
}
