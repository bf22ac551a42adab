package dev.exectask.reconciler;

import java.time.Duration;

/**
 * What to do for a task being deleted: release the finalizer (with an Event saying what was killed,
 * if anything), or act and look again later.
 */
public record CleanupDecision(
    boolean removeFinalizer, Action action, Duration requeueAfter, String eventMessage) {}
