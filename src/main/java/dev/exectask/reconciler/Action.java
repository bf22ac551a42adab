package dev.exectask.reconciler;

import dev.exectask.exec.ExecTarget;

/** The one side effect a reconcile pass takes after writing the status. */
public sealed interface Action {

  record None() implements Action {}

  /** Run the command (the status saying Running, with its target, is written first). */
  record Start(ExecTarget target) implements Action {}

  /** Find out how a command started earlier is doing. */
  record Observe(ExecTarget target) implements Action {}

  /** Kill the tree; {@code verdict} is written once the kill is confirmed (null on abort). */
  record KillTree(ExecTarget target, long graceSeconds, Verdict verdict) implements Action {}

  /** Delete the task: its ttlSecondsAfterFinished passed. */
  record Delete() implements Action {}

  Action NONE = new None();
}
