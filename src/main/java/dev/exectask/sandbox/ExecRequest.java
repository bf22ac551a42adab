package dev.exectask.sandbox;

import java.util.List;
import java.util.Map;

/** The query of a pods/exec request, with the defaults the API server applies. */
record ExecRequest(
    String namespace,
    String podName,
    String container,
    List<String> command,
    boolean stdin,
    boolean stdout,
    boolean stderr,
    boolean tty) {

  static ExecRequest fromQuery(String namespace, String podName, Map<String, List<String>> query) {
    return new ExecRequest(
        namespace,
        podName,
        first(query, "container"),
        List.copyOf(query.getOrDefault("command", List.of())),
        flag(query, "stdin"),
        flag(query, "stdout"),
        flag(query, "stderr"),
        flag(query, "tty"));
  }

  ExecRequest withContainer(String resolved) {
    return new ExecRequest(namespace, podName, resolved, command, stdin, stdout, stderr, tty);
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
