package dev.exectask.scripts;

/** What the observer script found out about a command whose exec the operator cannot hear. */
public sealed interface CommandObservation {

  /** The command ended with this status (128 + N when signal N killed it), as recorded. */
  record Exited(int exitCode) implements CommandObservation {
    public Exited {
      if (exitCode < 0 || exitCode > 255) {
        throw new IllegalArgumentException("exit code out of range 0..255: " + exitCode);
      }
    }
  }

  /**
   * The wrapper never started the command, for the reason it recorded (its input was cut short).
   */
  record NotStarted(String message) implements CommandObservation {}

  /** The command still ran when the observer's wait ended: look again. */
  record StillRunning() implements CommandObservation {}

  /** Processes of the task are alive, but no state was recorded: its outcome cannot be known. */
  record RunningUntracked() implements CommandObservation {}

  /** The command ran and has ended, but no status was recorded (its wrapper was killed). */
  record Lost() implements CommandObservation {}

  /** Nothing of the task is in the container: it never started there, or was cleaned up. */
  record Absent() implements CommandObservation {}
}
