package dev.exectask.api.v1alpha1;

/** Where a task is in its life; the last three are terminal. */
public enum Phase {
  Pending,
  Running,
  Succeeded,
  Failed,
  TimedOut;

  public boolean isTerminal() {
    return this == Succeeded || this == Failed || this == TimedOut;
  }
}
