package dev.exectask.reconciler;

import dev.exectask.api.v1alpha1.Phase;
import dev.exectask.exec.CapturedOutput;

/**
 * The terminal status a task gets once its process tree is confirmed gone. Null fields are left as
 * they are; an abort by deletion has no verdict (its record is an Event).
 */
public record Verdict(
    Phase phase,
    String reason,
    String message,
    Integer exitCode,
    CapturedOutput stdout,
    CapturedOutput stderr) {

  public static Verdict of(Phase phase, String reason, String message) {
    return new Verdict(phase, reason, message, null, null, null);
  }
}
