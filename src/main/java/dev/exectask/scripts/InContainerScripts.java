package dev.exectask.scripts;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
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

  /** The shared library goes first in every script; each script's header says what it uses. */
  private static final String LIB = read("lib.sh");

  private static final String WRAPPER = compact(LIB + read("wrapper.sh"));
  private static final String KILLER = compact(LIB + read("killer.sh"));
  private static final String OBSERVER = compact(LIB + read("observer.sh"));

  /**
   * Tokens live in [9e12, 9e12 + 2^40): far beyond any CPU time a process reaches (SIGXCPU never
   * fires), never "unlimited", and of one width, so that no token is a prefix of another.
   */
  private static final long TOKEN_BASE = 9_000_000_000_000L;

  /** Bytes that travel as themselves in a payload field; every other byte is an octal escape. */
  private static final String SAFE_BYTES =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_./=:,+@-";

  private static final Pattern TASK_UID = Pattern.compile("[A-Za-z0-9-]{1,253}");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** The line a killer prints, at least once a second, while it has tasks left. */
  public static final String KILLER_WORKING = "exectask-killer working";

  private static final Pattern KILL_REPORT =
      Pattern.compile(
          "exectask-killer signalled=(\\d{1,9}) remaining=(\\d{1,9})"
              + "(?: exited=(\\d{1,3})(?: at=(\\d{1,18}))?)?");
  private static final Pattern OBSERVATION =
      Pattern.compile(
          "exectask-observer (?:exited=(\\d{1,3})|failed (.+)"
              + "|(running-untracked|running|lost|absent))");

  private InContainerScripts() {}

  /**
   * The exec that runs the user's command under the wrapper: its argv, {@code sh -c LIB+WRAPPER
   * exectask-wrapper UID TOKEN PAYLOAD_BYTES}, holds nothing the user wrote (exec arguments land in
   * the API server's audit log and in /proc/PID/cmdline); everything travels in {@code payload},
   * which the caller writes whole to the exec's stdin (see wrapper.sh for its format).
   */
  public record WrapperExec(List<String> argv, byte[] payload) {}

  /**
   * @param env ordered; names must be shell variable names; a null value is the empty string
   * @param workingDir null (or empty): the container's default
   * @param stdin null: the command reads /dev/null; else these bytes (at most 262144), then EOF
   * @throws IllegalArgumentException when an argument cannot be passed as described
   */
  public static WrapperExec wrapper(
      String taskUid,
      List<String> argv,
      List<Map.Entry<String, String>> env,
      String workingDir,
      byte[] stdin) {
    requireUid(taskUid);
    if (argv == null || argv.isEmpty()) {
      throw new IllegalArgumentException("the command needs at least one argument");
    }
    if (stdin != null && stdin.length > MAX_STDIN_BYTES) {
      throw new IllegalArgumentException(
          "stdin must be 0 to " + MAX_STDIN_BYTES + " bytes, not " + stdin.length);
    }
    ByteArrayOutputStream payload = new ByteArrayOutputStream();
    for (Map.Entry<String, String> variable :
        env == null ? List.<Map.Entry<String, String>>of() : env) {
      String name = variable.getKey();
      if (name == null || !ENV_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("not a shell variable name: " + name);
      }
      String value = variable.getValue() == null ? "" : variable.getValue();
      field(payload, 'e', argument("value of " + name, name + "=" + value));
    }
    if (workingDir != null && !workingDir.isEmpty()) {
      field(payload, 'w', argument("working directory", workingDir));
    }
    payload.writeBytes(
        ("i " + (stdin == null ? "-" : Integer.toString(stdin.length)) + "\n").getBytes(UTF_8));
    for (String arg : argv) {
      field(payload, 'a', argument("command argument", arg));
    }
    payload.writeBytes(".\n".getBytes(UTF_8));
    if (stdin != null) {
      payload.writeBytes(stdin);
    }
    byte[] bytes = payload.toByteArray();
    return new WrapperExec(
        List.of(
            "sh",
            "-c",
            WRAPPER,
            "exectask-wrapper",
            taskUid,
            Long.toString(cpuToken(taskUid)),
            Integer.toString(bytes.length)),
        bytes);
  }

  /** One header line: the tag, a space, the value's UTF-8 bytes as printf %b text, a newline. */
  private static void field(ByteArrayOutputStream out, char tag, String value) {
    StringBuilder line = new StringBuilder().append(tag).append(' ');
    for (byte b : value.getBytes(UTF_8)) {
      int unsigned = b & 0xFF;
      if (unsigned < 0x80 && SAFE_BYTES.indexOf(unsigned) >= 0) {
        line.append((char) unsigned);
      } else {
        line.append(String.format("\\0%03o", unsigned));
      }
    }
    out.writeBytes(line.append('\n').toString().getBytes(UTF_8));
  }

  /**
   * The soft CPU-time limit every process of the task inherits from the wrapper: 40 bits of the
   * SHA-256 of the task's uid above {@link #TOKEN_BASE}.
   */
  public static long cpuToken(String taskUid) {
    requireUid(taskUid);
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256").digest(taskUid.getBytes(UTF_8));
      long bits = 0;
      for (int i = 0; i < 5; i++) {
        bits = (bits << 8) | (hash[i] & 0xFF);
      }
      return TOKEN_BASE + bits;
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }

  /**
   * argv for the exec that kills the tree: ["sh","-c",LIB+killer.sh,"exectask-killer",uid,token,
   * grace].
   */
  public static List<String> killerCommand(String taskUid, long gracePeriodSeconds) {
    requireUid(taskUid);
    return killerCommand(List.of(taskUid), gracePeriodSeconds);
  }

  /**
   * argv for one exec that kills the trees of several tasks of one container, each after the same
   * grace period, with one look at /proc per round for all of them:
   * ["sh","-c",LIB+killer.sh,"exectask-killer",uid1,token1,...,grace].
   */
  public static List<String> killerCommand(Collection<String> taskUids, long gracePeriodSeconds) {
    if (taskUids.isEmpty()) {
      throw new IllegalArgumentException("no task to kill");
    }
    if (gracePeriodSeconds < 0) {
      throw new IllegalArgumentException(
          "grace period must not be negative: " + gracePeriodSeconds);
    }
    List<String> argv = new ArrayList<>(List.of("sh", "-c", KILLER, "exectask-killer"));
    for (String uid : taskUids) {
      requireUid(uid);
      argv.add(uid);
      argv.add(Long.toString(cpuToken(uid)));
    }
    argv.add(Long.toString(gracePeriodSeconds));
    return List.copyOf(argv);
  }

  /**
   * Parses what a killer of {@code taskUids} printed: its one line for one task, or its {@code UID
   * exectask-killer ...} lines for several. Only well-formed reports are returned: a task without
   * one (a cut-off exec) is a task whose kill is not confirmed.
   */
  public static Map<String, KillReport> parseKillReports(
      String killerStdout, Collection<String> taskUids) {
    Map<String, KillReport> reports = new LinkedHashMap<>();
    if (taskUids.size() == 1) {
      try {
        reports.put(taskUids.iterator().next(), parseKillReport(killerStdout));
      } catch (IllegalArgumentException unreadable) {
        // Not a report: the task stays unconfirmed.
      }
      return reports;
    }
    for (String line : killerStdout.split("\n")) {
      int space = line.indexOf(' ');
      if (space <= 0 || !taskUids.contains(line.substring(0, space))) {
        continue;
      }
      try {
        reports.put(line.substring(0, space), parseKillReport(line.substring(space + 1)));
      } catch (IllegalArgumentException unreadable) {
        // Not a report: the task stays unconfirmed.
      }
    }
    return reports;
  }

  /**
   * Parses the killer's one line {@code exectask-killer signalled=N remaining=M[ exited=S[
   * at=EPOCH]]}.
   *
   * @throws IllegalArgumentException on anything else, such as the output of a cut-off exec
   */
  public static KillReport parseKillReport(String killerStdout) {
    Matcher m = match(KILL_REPORT, killerStdout, "killer");
    Integer exited = m.group(3) == null ? null : Integer.parseInt(m.group(3));
    Instant at = m.group(4) == null ? null : Instant.ofEpochSecond(Long.parseLong(m.group(4)));
    return new KillReport(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), exited, at);
  }

  /**
   * argv for the exec that reports at once how the task's command is doing, with the wrapper's
   * output records: ["sh","-c",LIB+observer.sh,"exectask-observer",uid,token].
   */
  public static List<String> observerCommand(String taskUid) {
    requireUid(taskUid);
    return List.of(
        "sh", "-c", OBSERVER, "exectask-observer", taskUid, Long.toString(cpuToken(taskUid)));
  }

  /**
   * Parses everything the observer printed: its first line (see {@link #parseObservation}), then
   * each {@code exectask-output STREAM LENGTH} line followed by LENGTH bytes of the record, {@code
   * TOTAL\n} and the stream's tail.
   *
   * @throws IllegalArgumentException on a malformed line or a record cut short
   */
  public static ObserverReport parseObserverReport(byte[] stdout) {
    int lineEnd = indexOf(stdout, 0);
    int end = lineEnd < 0 ? stdout.length : lineEnd;
    CommandObservation observation = parseObservation(new String(stdout, 0, end, UTF_8));
    RecordedStream out = null;
    RecordedStream err = null;
    int at = lineEnd < 0 ? stdout.length : lineEnd + 1;
    while (at < stdout.length) {
      int headerEnd = indexOf(stdout, at);
      String header =
          new String(stdout, at, (headerEnd < 0 ? stdout.length : headerEnd) - at, UTF_8);
      Matcher m = RECORD_HEADER.matcher(header);
      if (headerEnd < 0 || !m.matches()) {
        throw new IllegalArgumentException("unexpected output of the observer: " + header);
      }
      int length = Integer.parseInt(m.group(2));
      int from = headerEnd + 1;
      if (from + length > stdout.length) {
        throw new IllegalArgumentException(
            "the observer's " + m.group(1) + " record is cut short: " + header);
      }
      RecordedStream stream = recordedStream(stdout, from, length);
      if (m.group(1).equals("stdout")) {
        out = stream;
      } else {
        err = stream;
      }
      at = from + length;
    }
    return new ObserverReport(observation, out, err);
  }

  private static final Pattern RECORD_HEADER =
      Pattern.compile("exectask-output (stdout|stderr) (\\d{1,9})");

  /** A record is "TOTAL\n" then the tail; one still being written first holds no line. */
  private static RecordedStream recordedStream(byte[] bytes, int from, int length) {
    int newline = indexOf(bytes, from);
    if (newline < 0 || newline >= from + length) {
      throw new IllegalArgumentException("the observer printed a record without its total");
    }
    String total = new String(bytes, from, newline - from, UTF_8);
    if (!total.matches("\\d{1,18}")) {
      throw new IllegalArgumentException("the observer printed a record total of " + total);
    }
    byte[] tail = java.util.Arrays.copyOfRange(bytes, newline + 1, from + length);
    return new RecordedStream(Long.parseLong(total), tail);
  }

  private static int indexOf(byte[] bytes, int from) {
    for (int i = from; i < bytes.length; i++) {
      if (bytes[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  public static CommandObservation parseObservation(String observerStdout) {
    Matcher m = match(OBSERVATION, observerStdout, "observer");
    if (m.group(1) != null) {
      return new CommandObservation.Exited(Integer.parseInt(m.group(1)));
    }
    if (m.group(2) != null) {
      return new CommandObservation.NotStarted(m.group(2).strip());
    }
    return switch (m.group(3)) {
      case "running-untracked" -> new CommandObservation.RunningUntracked();
      case "running" -> new CommandObservation.StillRunning();
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
   * exec request's URL (every argument travels in its query string; the script is the only long
   * one, and holds nothing of the user's). No line of a here-document or a multi-line string in the
   * scripts is blank or starts with #.
   */
  private static String compact(String script) {
    return script
        .lines()
        .filter(line -> !line.isBlank() && !line.stripLeading().startsWith("#"))
        .collect(Collectors.joining("\n", "", "\n"));
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
