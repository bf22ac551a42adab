package dev.exectask.reconciler;

/**
 * Everything one reconcile pass saw: the target container and this process's memory of the task.
 */
public record Observation(TargetState target, CommandState command, KillState kill) {}
