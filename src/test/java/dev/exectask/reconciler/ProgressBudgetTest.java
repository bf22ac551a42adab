package dev.exectask.reconciler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ProgressBudgetTest {

  private static final Instant T0 = Instant.parse("2026-12-04T00:00:00Z");

  @Test
  void aSecondsWorthGoesAtOnceThenOneWriteEachIntervalOfTheRate() {
    ProgressBudget budget = new ProgressBudget(20);
    for (int i = 0; i < 20; i++) {
      assertNull(budget.take(T0), "write " + i + " of the first second's worth");
    }
    assertEquals(Duration.ofMillis(50), budget.take(T0), "the 21st waits a twentieth of a second");
    assertNull(budget.take(T0.plusMillis(50)));
    assertEquals(Duration.ofMillis(50), budget.take(T0.plusMillis(50)));
  }

  @Test
  void anIdleBudgetHoldsNoMoreThanOneSecondsWorth() {
    ProgressBudget budget = new ProgressBudget(20);
    assertNull(budget.take(T0));
    Instant later = T0.plus(Duration.ofMinutes(10));
    int granted = 0;
    while (budget.take(later) == null) {
      granted++;
    }
    assertEquals(20, granted);
  }

  @Test
  void aRateBelowOneStillLetsOneWriteThrough() {
    ProgressBudget budget = new ProgressBudget(0.5);
    assertNull(budget.take(T0));
    assertEquals(Duration.ofSeconds(2), budget.take(T0));
    assertNull(budget.take(T0.plusSeconds(2)));
  }

  @Test
  void noRateIsNoBound() {
    ProgressBudget budget = new ProgressBudget(0);
    for (int i = 0; i < 1000; i++) {
      assertNull(budget.take(T0));
    }
  }
}
