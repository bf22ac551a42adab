package dev.exectask.reconciler;

import dev.exectask.api.v1alpha1.ExecTaskStatus;
import java.time.Duration;

/**
 * The outcome of {@link TaskDecider}: the status the task should have, one action, and when to look
 * again (null: only when something changes).
 */
public record Decision(ExecTaskStatus status, Action action, Duration requeueAfter) {}
