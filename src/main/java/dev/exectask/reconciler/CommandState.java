package dev.exectask.reconciler;

import dev.exectask.exec.CapturedOutput;
import dev.exectask.exec.CommandOutcome;
import dev.exectask.exec.ObservedCommand;
import dev.exectask.scripts.CommandObservation;
import java.time.Instant;

/** What this operator process knows about a task's command. */
public sealed interface CommandState {

  /** Nothing in memory: never started here, or the operator restarted since. */
  record Unknown() implements CommandState {}

  /**
   * The exec that runs the command is open; {@code stdout}/{@code stderr} are what it carried so
   * far (null before it opened).
   */
  record Running(CapturedOutput stdout, CapturedOutput stderr) implements CommandState {
    public Running() {
      this(null, null);
    }
  }

  /** The command's exec ended. */
  record Finished(CommandOutcome outcome) implements CommandState {}

  /** An observer exec is finding out how a command started earlier is doing. */
  record Observing() implements CommandState {}

  /**
   * The observer reported. {@code execFailure} is how the command's own exec failed, when it did
   * (null otherwise), for the verdict's message; {@code streamedBytes} how much output that exec
   * had carried when it was cut (null when this process never held it: a restart); {@code at} when
   * the observer answered and {@code looks} how many answers in a row said "running".
   */
  record Observed(
      ObservedCommand seen, String execFailure, Long streamedBytes, Instant at, int looks)
      implements CommandState {
    public Observed(CommandObservation observation) {
      this(observation, null);
    }

    public Observed(CommandObservation observation, String execFailure) {
      this(new ObservedCommand(observation), execFailure, null, null, 0);
    }

    public CommandObservation observation() {
      return seen.observation();
    }
  }

  /** The observer could not run; it is retried at {@code attempts}-based backoff. */
  record ObserveFailed(String message, int attempts, java.time.Instant retryAt)
      implements CommandState {}

  CommandState UNKNOWN = new Unknown();
}
