package dev.exectask.reconciler;

import dev.exectask.api.v1alpha1.ExecTaskStatus;
import java.time.Duration;

/**
 * What to do for a task being deleted: release the finalizer, or act and look again later; an Event
 * to record (null: none) and the status to write while the deletion waits (null: as it is).
 */
public record CleanupDecision(
    boolean removeFinalizer,
    Action action,
    Duration requeueAfter,
    String eventReason,
    String eventMessage,
    ExecTaskStatus status) {

  static CleanupDecision release(String eventReason, String eventMessage) {
    return new CleanupDecision(true, Action.NONE, null, eventReason, eventMessage, null);
  }

  static CleanupDecision waitFor(Action action, Duration requeueAfter, ExecTaskStatus status) {
    return new CleanupDecision(false, action, requeueAfter, null, null, status);
  }
}
