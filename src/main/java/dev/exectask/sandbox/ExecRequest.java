package dev.exectask.sandbox;

import dev.exectask.sandbox.node.EmulatedNode;
import java.util.List;
import java.util.Map;

/**
 * The query of a pods/exec request, with the defaults the API server applies, and the annotations
 * of the pod it targets (its fault knobs) as they were when the request arrived.
 */
record ExecRequest(
    String namespace,
    String podName,
    String container,
    List<String> command,
    boolean stdin,
    boolean stdout,
    boolean stderr,
    boolean tty,
    Map<String, String> podAnnotations) {

  ExecRequest {
    podAnnotations = Map.copyOf(podAnnotations);
  }

  static ExecRequest fromQuery(String namespace, String podName, Map<String, List<String>> query) {
    return new ExecRequest(
        namespace,
        podName,
        first(query, "container"),
        List.copyOf(query.getOrDefault("command", List.of())),
        flag(query, "stdin"),
        flag(query, "stdout"),
        flag(query, "stderr"),
        flag(query, "tty"),
        Map.of());
  }

  /** The request as the API server forwards it: its container resolved, its pod looked up. */
  ExecRequest withPod(String resolvedContainer, Map<String, String> annotations) {
    return new ExecRequest(
        namespace, podName, resolvedContainer, command, stdin, stdout, stderr, tty, annotations);
  }

  /** {@code sandbox.exectask.dev/node: lost}: the pod's kubelet cannot be reached. */
  boolean nodeLost() {
    return EmulatedNode.NODE_LOST.equals(podAnnotations.get(EmulatedNode.NODE_ANNOTATION));
  }

  /** The value of {@code sandbox.exectask.dev/exec-fault}, or null. */
  String execFault() {
    return podAnnotations.get(EmulatedNode.EXEC_FAULT_ANNOTATION);
  }

  /**
   * The value of {@code sandbox.exectask.dev/exec-idle-timeout} in milliseconds, or 0 where it is
   * absent or not a positive number of seconds.
   */
  long idleTimeoutMillis() {
    String value = podAnnotations.get(EmulatedNode.EXEC_IDLE_TIMEOUT_ANNOTATION);
    if (value == null) {
      return 0;
    }
    try {
      double seconds = Double.parseDouble(value.strip());
      return seconds > 0 && seconds < 1e9 ? (long) (seconds * 1000) : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** The kubelet announces a ready stream with an empty frame on the lowest writable channel. */
  byte readyChannel() {
    if (stdout) {
      return ExecSession.STDOUT;
    }
    return stderr ? ExecSession.STDERR : ExecSession.ERROR;
  }

  private static String first(Map<String, List<String>> query, String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  /** Go's strconv.ParseBool, which the API server uses for these parameters. */
  private static boolean flag(Map<String, List<String>> query, String name) {
    String value = first(query, name);
    return value != null && List.of("1", "t", "T", "true", "TRUE", "True").contains(value);
  }
}
