package dev.exectask.sandbox;

import java.util.List;

/**
 * What the API server reaches a node for: starting a command in a container, as a container runtime
 * does for the kubelet, and a container's log. The sandbox's emulated node in production, a plain
 * local process in the protocol tests.
 */
@FunctionalInterface
public interface ExecBackend {

  /**
   * Starts {@code argv} in the container. The process's exit value is the command's status (137
   * when it was SIGKILLed).
   *
   * @throws Exception when the runtime cannot start the command; its message reaches the client
   *     wrapped the way the kubelet wraps runtime errors
   */
  Process exec(String namespace, String podName, String container, List<String> argv)
      throws Exception;

  /**
   * What the container's PID 1 has written (stdout and stderr together), as the kubelet serves
   * {@code pods/log}: of the running instance, or of the one before it with {@code previous}. An
   * empty {@code container} names the pod's only container.
   *
   * @throws LogRefused with the API server's code and message when there is no such log
   */
  default byte[] log(String namespace, String podName, String container, boolean previous)
      throws LogRefused {
    throw new LogRefused(404, "NotFound", "the server could not find the requested resource");
  }

  /** A {@code pods/log} request without a log to answer with. */
  final class LogRefused extends Exception {
    final int code;
    final String reason;

    public LogRefused(int code, String reason, String message) {
      super(message);
      this.code = code;
      this.reason = reason;
    }
  }
}
