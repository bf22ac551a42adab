package dev.exectask.sandbox;

import java.util.List;

/**
 * Starts a command in a container, as a container runtime does for the kubelet: the sandbox's
 * emulated node in production, a plain local process in the protocol tests.
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
}
