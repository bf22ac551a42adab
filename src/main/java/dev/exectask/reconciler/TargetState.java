package dev.exectask.reconciler;

/** What the operator sees of the pod and container a task runs, or is to run, in. */
public sealed interface TargetState {

  /** The container is running; {@code containerID} names this instance of it. */
  record Ready(String pod, String container, String containerID) implements TargetState {}

  /** No such pod, or no Running and Ready pod matches the selector. */
  record PodMissing(String message) implements TargetState {}

  /**
   * The pod is being deleted; {@code nodeUnreachable} when its Ready condition is False too, as
   * when its node stopped reporting (a lost node: exec cannot reach it, its containers die with
   * it).
   */
  record PodTerminating(String pod, boolean nodeUnreachable) implements TargetState {}

  /** The pod exists but has no container of that name (pod containers never change). */
  record ContainerMissing(String pod, String container) implements TargetState {}

  /** The container exists but is not running (waiting, terminated, or not started yet). */
  record ContainerNotRunning(String pod, String container, String containerID, String detail)
      implements TargetState {}
}
