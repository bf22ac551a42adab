package dev.exectask.exec;

import java.time.Instant;

/** How the exec that ran a task's command ended. */
public sealed interface CommandOutcome {

  /** The command exited by itself (or died of a signal) and the exec reported its status. */
  record Exited(int exitCode, CapturedOutput stdout, CapturedOutput stderr, Instant at)
      implements CommandOutcome {}

  /**
   * The command could not be started: {@code reason} is ShellNotFound or ExecError. Nothing of the
   * task runs in the container.
   */
  record StartFailed(String reason, String message) implements CommandOutcome {}

  /**
   * The connection ended without an exit status. The command may still be running: closing an exec
   * never stops it, so what happened must be observed in the container.
   */
  record ConnectionLost(String message, CapturedOutput stdout, CapturedOutput stderr)
      implements CommandOutcome {}
}
