package dev.exectask.scripts;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The argvs of the three execs the operator runs in a task's container (wrapper, killer, observer)
 * and the parsers of what they print. The scripts themselves are the resource files next to this
 * class; each documents its protocol in its header.
 */
public final class InContainerScripts {

  /**
   * Environment variable carried by every process of a task's tree; its value is the task's
   * metadata.uid.
   */
  public static final String MARKER_ENV = "EXECTASK_UID";

  /** The most stdin the wrapper accepts, as the API allows. */
  public static final int MAX_STDIN_BYTES = 256 * 1024;

  private static final String WRAPPER = compact(read("wrapper.sh"));
  private static final String KILLER = compact(read("killer.sh"));
  private static final String OBSERVER = compact(helpers(read("killer.sh")) + read("observer.sh"));

  private static final Pattern TASK_UID = Pattern.compile("[A-Za-z0-9-]{1,253}");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern KILL_REPORT =
      Pattern.compile("exectask-killer signalled=(\\d{1,9}) remaining=(\\d{1,9})");
  private static final Pattern OBSERVATION =
      Pattern.compile("exectask-observer (?:exited=(\\d{1,3})|(running-untracked|lost|absent))");

  private InContainerScripts() {}

  /**
   * argv for the exec that runs the user's command, as {@code sh -c WRAPPER exectask-wrapper UID
   * STDIN WORKDIR ENVCOUNT NAME=VALUE... ARGV...}, where STDIN is the byte count or "-" and WORKDIR
   * "" for the container's default. User input only ever travels as positional arguments, never
   * spliced into shell code.
   *
   * @param env ordered; names must be shell variable names; a null value is the empty string
   * @param workingDir null (or empty): the container's default
   * @param stdinBytes null: the command reads /dev/null; else the operator must write exactly this
   *     many bytes (0..262144) to the exec's stdin, which the command then reads followed by EOF
   * @throws IllegalArgumentException when an argument cannot be passed as described
   */
  public static List<String> wrapperCommand(
      String taskUid,
      List<String> argv,
      List<Map.Entry<String, String>> env,
      String workingDir,
      Integer stdinBytes) {
    requireUid(taskUid);
    if (argv == null || argv.isEmpty()) {
      throw new IllegalArgumentException("the command needs at least one argument");
    }
    if (stdinBytes != null && (stdinBytes < 0 || stdinBytes > MAX_STDIN_BYTES)) {
      throw new IllegalArgumentException(
          "stdin must be 0 to " + MAX_STDIN_BYTES + " bytes, not " + stdinBytes);
    }
    List<Map.Entry<String, String>> variables = env == null ? List.of() : env;
    List<String> command = new ArrayList<>(argv.size() + variables.size() + 8);
    command.addAll(List.of("sh", "-c", WRAPPER, "exectask-wrapper", taskUid));
    command.add(stdinBytes == null ? "-" : stdinBytes.toString());
    command.add(argument("working directory", workingDir == null ? "" : workingDir));
    command.add(Integer.toString(variables.size()));
    for (Map.Entry<String, String> variable : variables) {
      String name = variable.getKey();
      if (name == null || !ENV_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("not a shell variable name: " + name);
      }
      String value = variable.getValue() == null ? "" : variable.getValue();
      command.add(argument("value of " + name, name + "=" + value));
    }
    for (String arg : argv) {
      command.add(argument("command argument", arg));
    }
    return List.copyOf(command);
  }

  /** argv for the exec that kills the tree: ["sh","-c",<killer.sh>,"exectask-killer",uid,grace]. */
  public static List<String> killerCommand(String taskUid, long gracePeriodSeconds) {
    requireUid(taskUid);
    if (gracePeriodSeconds < 0) {
      throw new IllegalArgumentException(
          "grace period must not be negative: " + gracePeriodSeconds);
    }
    return List.of(
        "sh", "-c", KILLER, "exectask-killer", taskUid, Long.toString(gracePeriodSeconds));
  }

  /**
   * Parses the killer's one line {@code exectask-killer signalled=N remaining=M}.
   *
   * @throws IllegalArgumentException on anything else, such as the output of a cut-off exec
   */
  public static KillReport parseKillReport(String killerStdout) {
    Matcher m = match(KILL_REPORT, killerStdout, "killer");
    return new KillReport(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
  }

  /**
   * argv for the exec that, after an operator restart, blocks until the task's command has ended
   * and reports how: ["sh","-c",<observer.sh>,"exectask-observer",uid].
   */
  public static List<String> observerCommand(String taskUid) {
    requireUid(taskUid);
    return List.of("sh", "-c", OBSERVER, "exectask-observer", taskUid);
  }

  /**
   * Parses the observer's one line {@code exectask-observer
   * exited=N|lost|running-untracked|absent}.
   *
   * @throws IllegalArgumentException on anything else
   */
  public static CommandObservation parseObservation(String observerStdout) {
    Matcher m = match(OBSERVATION, observerStdout, "observer");
    if (m.group(1) != null) {
      return new CommandObservation.Exited(Integer.parseInt(m.group(1)));
    }
    return switch (m.group(2)) {
      case "running-untracked" -> new CommandObservation.RunningUntracked();
      case "lost" -> new CommandObservation.Lost();
      default -> new CommandObservation.Absent();
    };
  }

  private static Matcher match(Pattern pattern, String stdout, String script) {
    Matcher m = pattern.matcher(stdout == null ? "" : stdout.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("unexpected output of the " + script + ": " + stdout);
    }
    return m;
  }

  private static void requireUid(String taskUid) {
    if (taskUid == null || !TASK_UID.matcher(taskUid).matches()) {
      throw new IllegalArgumentException(
          "task uid must be 1 to 253 of [A-Za-z0-9-], not " + taskUid);
    }
  }

  /** An exec argument is a C string: it cannot carry a NUL. */
  private static String argument(String what, String value) {
    if (value == null) {
      throw new IllegalArgumentException(what + " must not be null");
    }
    if (value.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(what + " must not contain a NUL character");
    }
    return value;
  }

  /**
   * The script as sent: without its comment-only and blank lines, which would only lengthen the
   * exec request's URL (every argument travels in its query string). No line of a here-document or
   * a multi-line string in the scripts is blank or starts with #.
   */
  private static String compact(String script) {
    return script
        .lines()
        .filter(line -> !line.isBlank() && !line.stripLeading().startsWith("#"))
        .collect(Collectors.joining("\n", "", "\n"));
  }

  /** The /proc and state-dir helpers that killer.sh shares, between its >>> and <<< lines. */
  private static String helpers(String killer) {
    int start = killer.indexOf("\n# >>> helpers\n");
    int end = killer.indexOf("\n# <<< helpers\n");
    if (start < 0 || end < start) {
      throw new IllegalStateException("killer.sh has lost its '# >>> helpers' section");
    }
    return killer.substring(start + 1, end + 1);
  }

  private static String read(String name) {
    try (InputStream in = InContainerScripts.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name + " next to InContainerScripts");
      }
      return new String(in.readAllBytes(), UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
