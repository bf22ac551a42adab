package dev.exectask.reconciler;

import dev.exectask.scripts.KillReport;
import java.time.Instant;

/** Where the killing of a task's process tree stands in this operator process. */
public sealed interface KillState {

  record NotRequested() implements KillState {}

  /** The killer exec is running; {@code verdict} is the status to write once it confirms. */
  record InProgress(Verdict verdict, int attempt) implements KillState {}

  /** The killer confirmed that nothing of the tree is left. */
  record Done(Verdict verdict, KillReport report) implements KillState {}

  /** The killer failed or found survivors; it is tried again at {@code retryAt}. */
  record Failed(Verdict verdict, String message, int attempts, Instant retryAt)
      implements KillState {}

  KillState NOT_REQUESTED = new NotRequested();
}
