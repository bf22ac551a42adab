package dev.exectask.api.v1alpha1;

/**
 * The stable CamelCase words of {@code status.reason}; tools match on them, so they never change.
 */
public final class Reasons {
  public static final String COMPLETED = "Completed";
  public static final String NON_ZERO_EXIT_CODE = "NonZeroExitCode";
  public static final String DEADLINE_EXCEEDED = "DeadlineExceeded";
  public static final String POD_NOT_FOUND = "PodNotFound";
  public static final String CONTAINER_NOT_FOUND = "ContainerNotFound";
  public static final String CONTAINER_NOT_RUNNING = "ContainerNotRunning";
  public static final String SHELL_NOT_FOUND = "ShellNotFound";
  public static final String POD_DELETED = "PodDeleted";
  public static final String CONTAINER_RESTARTED = "ContainerRestarted";
  public static final String EXEC_ERROR = "ExecError";
  public static final String INVALID_SPEC = "InvalidSpec";

  private Reasons() {}
}
