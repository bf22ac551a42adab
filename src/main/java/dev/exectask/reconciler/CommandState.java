package dev.exectask.reconciler;

import dev.exectask.exec.CommandOutcome;
import dev.exectask.scripts.CommandObservation;

/** What this operator process knows about a task's command. */
public sealed interface CommandState {

  /** Nothing in memory: never started here, or the operator restarted since. */
  record Unknown() implements CommandState {}

  /** The exec that runs the command is open. */
  record Running() implements CommandState {}

  /** The command's exec ended. */
  record Finished(CommandOutcome outcome) implements CommandState {}

  /** An observer exec is finding out how a command started earlier is doing. */
  record Observing() implements CommandState {}

  /**
   * The observer reported; {@code execFailure} is how the command's own exec failed, when it did
   * (null otherwise), for the verdict's message.
   */
  record Observed(CommandObservation observation, String execFailure) implements CommandState {
    public Observed(CommandObservation observation) {
      this(observation, null);
    }
  }

  /** The observer could not run; it is retried at {@code attempts}-based backoff. */
  record ObserveFailed(String message, int attempts, java.time.Instant retryAt)
      implements CommandState {}

  CommandState UNKNOWN = new Unknown();
}
