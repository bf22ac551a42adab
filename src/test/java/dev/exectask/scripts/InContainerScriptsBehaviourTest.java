package dev.exectask.scripts;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.exectask.testing.HostProcess;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The wrapper, killer and observer scripts against real processes on this host, under dash and
 * under busybox ash with busybox's applets first in PATH (as in an Alpine image). Each test uses
 * its own task uid and TMPDIR, and ends by checking that no process carrying its marker is left.
 */
class InContainerScriptsBehaviourTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final String KILLED_ONE = "exectask-killer signalled=1 remaining=0\n";
  private static final String KILLED_NONE = "exectask-killer signalled=0 remaining=0\n";
  private static final Shell DASH = Shell.dash();
  private static final Shell BUSYBOX = Shell.busybox();
  private static final Shell BASH = Shell.bashAsSh();
  private static final Shell BUSYBOX_WITHOUT_GREP_EXTRAS = BUSYBOX.withoutGrepExtras();

  @TempDir Path tmp;

  private final List<Task> tasks = new ArrayList<>();

  static Stream<Shell> shells() {
    return Stream.of(DASH, BUSYBOX, BASH);
  }

  /** Also a busybox built without its GNU extras, whose grep has neither -z nor -o. */
  static Stream<Shell> shellsAndFallbacks() {
    return Stream.of(DASH, BUSYBOX, BUSYBOX_WITHOUT_GREP_EXTRAS, BASH);
  }

  @AfterEach
  void nothingOfTheTaskIsLeft() {
    List<String> leftovers = new ArrayList<>();
    for (Task task : tasks) {
      leftovers.addAll(task.close());
    }
    assertEquals(List.of(), leftovers, "processes of the tests' tasks left alive (now killed)");
  }

  /** Runs the test under each shell. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.METHOD)
  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.exectask.scripts.InContainerScriptsBehaviourTest#shells")
  @interface EachShell {}

  /** Runs the test under each shell and under the fallbacks for tools without GNU extras. */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.METHOD)
  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.exectask.scripts.InContainerScriptsBehaviourTest#shellsAndFallbacks")
  @interface EachShellAndFallback {}

  private Task task(Shell shell) {
    Task task = new Task(shell, tmp.resolve("task-" + tasks.size()));
    tasks.add(task);
    return task;
  }

  @Nested
  class Wrapper {

    static Stream<Arguments> exitStatuses() {
      return shells()
          .flatMap(
              shell ->
                  Stream.of(
                      Arguments.of(shell, "exit 0", 0),
                      Arguments.of(shell, "exit 3", 3),
                      Arguments.of(shell, "kill -KILL $$", 137)));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("exitStatuses")
    void exitsWithTheCommandsStatusAndRecordsIt(Shell shell, String script, int status)
        throws IOException {
      Task task = task(shell);

      Result result = task.runWrapper(List.of("sh", "-c", script), List.of(), null, null);

      assertEquals(status, result.exitCode());
      String[] record = Files.readString(task.stateDir().resolve("exit")).strip().split(" ");
      assertEquals(Integer.toString(status), record[0]);
      long ended = Long.parseLong(record[1]);
      assertTrue(Math.abs(ended - System.currentTimeMillis() / 1000) < 30, "ended at " + ended);
      assertEquals("", result.stderr());
    }

    @EachShell
    void leavesStdoutAndStderrToTheCommand(Shell shell) {
      Result result =
          task(shell)
              .runWrapper(
                  List.of("sh", "-c", "printf 'out\\n\\303\\274'; printf 'err\\n' >&2; printf x"),
                  List.of(),
                  null,
                  null);

      assertEquals(0, result.exitCode());
      assertEquals("out\nüx", result.stdout());
      assertEquals("err\n", result.stderr());
    }

    @EachShell
    void passesArgvVerbatim(Shell shell) {
      List<String> args =
          List.of(
              "",
              " ",
              "a b",
              "'q'",
              "\"dq\"",
              "$(echo no)",
              "`echo no`",
              "a;b",
              "x\ny\n",
              "*",
              "$HOME",
              "\\",
              "-n",
              "--",
              "%s");

      assertEquals(printed(args), printf(task(shell), args).stdout());
    }

    @EachShell
    void passesUnicodeVerbatim(Shell shell) {
      assumeTrue(
          "UTF-8".equals(System.getProperty("sun.jnu.encoding")),
          "the JVM encodes arguments in sun.jnu.encoding: run it in a UTF-8 locale (LANG=C.UTF-8)");
      List<String> args = List.of("ünïcødé ✓ 日本", "e\u0301");
      Task task = task(shell);

      assertEquals(printed(args), printf(task, args).stdout());
      assertEquals(
          "日本\0",
          task.runWrapper(
                  List.of("sh", "-c", "printf '%s\\0' \"$V\""),
                  List.of(Map.entry("V", "日本")),
                  null,
                  null)
              .stdout());
    }

    private Result printf(Task task, List<String> args) {
      List<String> argv = new ArrayList<>(List.of("printf", "[%s]\\n"));
      argv.addAll(args);
      Result result = task.runWrapper(argv, List.of(), null, null);
      assertEquals(0, result.exitCode(), result.stderr());
      return result;
    }

    private static String printed(List<String> args) {
      StringBuilder expected = new StringBuilder();
      args.forEach(arg -> expected.append('[').append(arg).append("]\n"));
      return expected.toString();
    }

    @EachShell
    void exportsTheEnvironmentInOrderWithTheMarker(Shell shell) {
      String tricky = "sp ace 'q' \"dq\" $(echo no) `echo no` ; a\nb \\ $HOME";
      Task task = task(shell);

      Result result =
          task.runWrapper(
              List.of("sh", "-c", "printf '%s\\0' \"$A\" \"$B\" \"$C\" \"$EXECTASK_UID\""),
              List.of(
                  Map.entry("A", tricky),
                  Map.entry("B", ""),
                  Map.entry("C", "first"),
                  Map.entry("C", "second"),
                  Map.entry("EXECTASK_UID", "spoofed")),
              null,
              null);

      assertEquals(tricky + "\0\0second\0" + task.uid + "\0", result.stdout());
    }

    @EachShell
    void runsInTheWorkingDirectory(Shell shell) throws IOException {
      Path dir = Files.createDirectories(tmp.resolve("work dir -x"));

      Result result = task(shell).runWrapper(List.of("pwd"), List.of(), dir.toString(), null);

      assertEquals(dir.toRealPath() + "\n", result.stdout());
    }

    @EachShell
    void refusesToRunOutsideItsWorkingDirectory(Shell shell) throws IOException {
      Path proof = tmp.resolve("ran");
      Path file = Files.writeString(tmp.resolve("a file"), "");
      List<String> touch = List.of("touch", proof.toString());
      Task task = task(shell);

      Result missing = task.runWrapper(touch, List.of(), tmp + "/no such", null);
      Result notDir = task.runWrapper(touch, List.of(), file.toString(), null);

      assertEquals(126, missing.exitCode());
      assertEquals(
          "exectask: cannot change to working directory "
              + tmp
              + "/no such: No such file or"
              + " directory\n",
          missing.stderr());
      assertEquals(126, notDir.exitCode());
      assertEquals(
          "exectask: cannot change to working directory " + file + ": Not a directory\n",
          notDir.stderr());
      assertFalse(Files.exists(proof), "nothing ran");
    }

    @EachShell
    void aMissingCommandExitsWith127(Shell shell) {
      Result result =
          task(shell).runWrapper(List.of("exectask-no-such-command"), List.of(), null, null);

      assertEquals(127, result.exitCode());
      assertTrue(result.stderr().contains("exectask-no-such-command"), result.stderr());
    }

    static Stream<Arguments> stdinSizes() {
      return shells()
          .flatMap(
              shell ->
                  Stream.of(0, 1, 70_001, InContainerScripts.MAX_STDIN_BYTES)
                      .map(size -> Arguments.of(shell, size)));
    }

    @ParameterizedTest(name = "{0}: {1} bytes")
    @MethodSource("stdinSizes")
    void deliversExactlyTheStdinBytesThenEofWhileItsOwnStdinStaysOpen(Shell shell, int size)
        throws Exception {
      byte[] input = new byte[size];
      new Random(size).nextBytes(input);
      if (size > 2) {
        input[0] = 0;
        input[1] = '\n';
      }
      Task task = task(shell);
      // stdin stays open until the command is done: the exec protocol cannot half-close it.
      Started wrapper = task.startWrapper(List.of("cat"), List.of(), null, input);

      assertEquals(0, wrapper.await().exitCode());

      assertArrayEquals(input, Files.readAllBytes(wrapper.stdout()));
      assertFalse(Files.exists(task.stateDir().resolve("stdin")), "the buffered input is removed");
    }

    @EachShell
    void withoutStdinTheCommandReadsDevNullNotTheExecsStdin(Shell shell) throws Exception {
      Started wrapper = task(shell).startWrapper(List.of("wc", "-c"), List.of(), null, null);

      try (OutputStream stdin = wrapper.process().getOutputStream()) {
        stdin.write("not for the command".getBytes(UTF_8));
        stdin.flush();
        Result result = wrapper.await();
        assertEquals(0, result.exitCode());
        assertEquals("0", result.stdout().strip());
      } catch (IOException finishedFirst) {
        // The wrapper may be done before the write: what matters is what the command read.
      }
    }

    @EachShell
    void recordsItsPidsInAPrivateStateDir(Shell shell) throws IOException {
      Task task = task(shell);
      Started wrapper = task.startSleeping();

      long commandPid = task.awaitCommandPid();
      String[] record = Files.readString(task.stateDir().resolve("pid")).strip().split(" ");
      assertEquals(4, record.length, Arrays.toString(record));
      assertEquals(wrapper.process().pid(), Long.parseLong(record[0]));
      assertEquals(commandPid, Long.parseLong(record[1]));
      assertEquals(HostProcess.of(commandPid).orElseThrow().startTime(), Long.parseLong(record[2]));
      assertEquals(
          HostProcess.of(wrapper.process().pid()).orElseThrow().startTime(),
          Long.parseLong(record[3]));
      assertEquals(
          "rwx------",
          PosixFilePermissions.toString(Files.getPosixFilePermissions(task.stateDir())));
      assertEquals(
          commandPid, HostProcess.of(commandPid).orElseThrow().pgrp(), "own process group");
      assertEquals(KILLED_ONE, task.runKiller(5).killed());
    }
  }

  @Nested
  class Killer {

    @EachShellAndFallback
    void killsACommandAsSoonAsItIsGoneAndIsIdempotent(Shell shell) {
      Task task = task(shell);
      Started wrapper = task.startSleeping();

      long start = System.nanoTime();
      Result kill = task.runKiller(20);

      assertEquals(KILLED_ONE, kill.killed());
      assertEquals(0, kill.exitCode());
      assertTrue(elapsed(start).toSeconds() < 10, "did not wait out the grace period");
      assertEquals(143, wrapper.await().exitCode(), "the command died of SIGTERM");
      assertFalse(Files.exists(task.stateDir()), "state dir removed");
      assertEquals(List.of(), task.alive());
      Result again = task.runKiller(20);
      assertEquals(KILLED_NONE, again.killed());
      assertEquals(0, again.exitCode());
    }

    @EachShellAndFallback
    void killsTheShellAndBothBackgroundChildren(Shell shell) {
      Task task = task(shell);
      Started wrapper =
          task.startWrapper(
              List.of("sh", "-c", "sleep 300 & sleep 300 & wait"), List.of(), null, null);
      task.awaitAlive(3);

      assertEquals("exectask-killer signalled=3 remaining=0\n", task.runKiller(10).killed());
      assertEquals(List.of(), task.alive());
      assertEquals(143, wrapper.await().exitCode());
    }

    @EachShellAndFallback
    void findsProcessesWhoseNamesHoldParenthesesSpacesAndNewlines(Shell shell) throws IOException {
      Path sleep = Shell.onPath("sleep").orElseThrow();
      Path odd = Files.copy(sleep, tmp.resolve("a) (b\nc) d"));
      Files.setPosixFilePermissions(odd, PosixFilePermissions.fromString("rwx------"));
      Task task = task(shell);
      task.startWrapper(
          List.of("sh", "-c", "\"$1\" 300 & env -i \"$1\" 300; :", "sh", odd.toString()),
          List.of(),
          null,
          null);
      task.awaitCommandPid();
      task.awaitAlive(3);

      assertEquals("exectask-killer signalled=3 remaining=0\n", task.runKiller(5).killed());
    }

    @EachShellAndFallback
    void oneExecKillsSeveralTasksSideBySideAndReportsEachAndNoOther(Shell shell)
        throws IOException {
      Task first = task(shell);
      Files.createDirectories(Path.of(first.tmpdir));
      Task second = task(shell).withTmpdir(first.tmpdir);
      Task bystander = task(shell).withTmpdir(first.tmpdir);
      Started firstWrapper =
          first.startWrapper(
              List.of("sh", "-c", "sleep 300 & sleep 300 & wait"), List.of(), null, null);
      first.awaitAlive(3);
      // This one ignores SIGTERM: it holds its killer for the whole grace period.
      Started secondWrapper =
          second.startWrapper(
              List.of("sh", "-c", "trap '' TERM; sleep 300 & wait"), List.of(), null, null);
      second.awaitAlive(2);
      bystander.startSleeping();
      List<Long> spared = bystander.awaitAlive(1);

      long start = System.nanoTime();
      // The slow one first: run one after the other, the first tree would wait 2 s behind it.
      Started killers =
          first.start(InContainerScripts.killerCommand(List.of(second.uid, first.uid), 2));
      assertEquals(143, firstWrapper.await().exitCode());
      assertTrue(
          elapsed(start).toMillis() < 1500,
          "the first tree's kill did not wait behind the other's grace period");
      Result kill = killers.await();

      assertEquals(0, kill.exitCode(), kill.stderr());
      Map<String, KillReport> reports =
          InContainerScripts.parseKillReports(kill.stdout(), List.of(first.uid, second.uid));
      assertEquals(java.util.Set.of(first.uid, second.uid), reports.keySet(), kill.stdout());
      assertEquals(3, reports.get(first.uid).signalled());
      assertEquals(2, reports.get(second.uid).signalled());
      assertTrue(reports.values().stream().allMatch(KillReport::confirmed), kill.stdout());
      assertEquals(137, secondWrapper.await().exitCode(), "SIGKILL after the grace period");
      assertEquals(List.of(), first.alive());
      assertEquals(List.of(), second.alive());
      assertEquals(spared, bystander.alive(), "a task not named is left alone");
      assertEquals(KILLED_ONE, bystander.runKiller(5).killed());
    }

    @EachShellAndFallback
    void leavesOtherTasksAlone(Shell shell) {
      Task task = task(shell);
      Task other = task(shell);
      task.startSleeping();
      Started bystander = other.startSleeping();
      List<Long> others = other.awaitAlive(1);

      assertEquals(KILLED_ONE, task.runKiller(5).killed());
      assertEquals(others, other.alive());
      assertTrue(bystander.process().isAlive());
      assertEquals(KILLED_ONE, other.runKiller(5).killed());
    }

    @EachShellAndFallback
    void endsAWrapperStillWaitingForItsStdin(Shell shell) {
      Task task = task(shell);
      Path proof = task.dir.resolve("ran");
      InContainerScripts.WrapperExec exec =
          InContainerScripts.wrapper(
              task.uid, List.of("touch", proof.toString()), List.of(), null, new byte[10]);
      Started wrapper = task.start(exec.argv());
      await().atMost(TIMEOUT).until(() -> Files.exists(task.stateDir().resolve("pid")));

      assertEquals(KILLED_NONE, task.runKiller(5).killed());
      assertEquals(137, wrapper.await().exitCode());
      assertFalse(Files.exists(task.stateDir()), "state dir removed");
      assertFalse(Files.exists(proof), "the command never ran");
    }

    static Stream<Arguments> escapes() {
      return shellsAndFallbacks()
          .flatMap(
              shell ->
                  Stream.of(
                      Arguments.of(shell, "setsid", "setsid sleep 300 &"),
                      Arguments.of(shell, "nohup in background", "nohup sleep 300 &"),
                      Arguments.of(shell, "double fork", "(sleep 300 &)"),
                      Arguments.of(shell, "double fork in a new session", "(setsid sleep 300 &)"),
                      Arguments.of(shell, "double fork, marker dropped", "(env -i sleep 300 &)")));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("escapes")
    void killsDescendantsThatEscapedAfterTheCommandEnded(Shell shell, String how, String script) {
      Task task = task(shell);
      Result command =
          task.runWrapper(
              List.of("sh", "-c", "exec </dev/null >/dev/null 2>&1\n" + script + "\nexit 0"),
              List.of(),
              null,
              null);
      assertEquals(0, command.exitCode());
      long group = task.awaitCommandPid();
      await("the escapee").atMost(TIMEOUT).until(() -> task.alive().size() == 1);

      assertEquals(KILLED_ONE, task.runKiller(10).killed());
      assertEquals(List.of(), task.alive());
      assertEquals(List.of(), HostProcess.inGroup(group), "the command's group is gone");
    }

    /**
     * The recorded command pid is a group id whose leader is gone; a reused pid may now lead, or
     * have led, a group of strangers. Without a live member carrying the task's marks, the group is
     * not the task's and is not signalled.
     */
    @EachShellAndFallback
    void aGroupWithoutAnAnchorIsLeftAlone(Shell shell) throws Exception {
      Process stranger =
          new ProcessBuilder("setsid", "sh", "-c", "sleep 300 </dev/null >/dev/null 2>&1 & exit")
              .start();
      assertEquals(0, stranger.waitFor());
      long group = stranger.pid();
      await().atMost(TIMEOUT).until(() -> HostProcess.inGroup(group).size() == 1);
      long member = HostProcess.inGroup(group).get(0);
      try {
        Task task = task(shell);
        Files.createDirectories(task.stateDir());
        Files.writeString(task.stateDir().resolve("pid"), "0 " + group + " 12345 0\n");

        assertEquals(KILLED_NONE, task.runKiller(1).killed());
        assertTrue(HostProcess.of(member).isPresent(), "the stranger's process is alive");
      } finally {
        ProcessHandle.of(member).ifPresent(ProcessHandle::destroyForcibly);
      }
    }

    @EachShell
    void reportsTheExitTheWrapperRecordedBeforeRemovingTheState(Shell shell) {
      Task task = task(shell);
      task.runWrapper(List.of("sh", "-c", "exit 7"), List.of(), null, null);
      long before = System.currentTimeMillis() / 1000;

      String report = task.runKiller(1).stdout();

      KillReport parsed = InContainerScripts.parseKillReport(report);
      assertEquals(Integer.valueOf(7), parsed.exitCode(), report);
      assertTrue(Math.abs(parsed.exitedAt().getEpochSecond() - before) < 30, "ended at " + report);
      assertFalse(Files.exists(task.stateDir()), "state dir removed");
    }

    @EachShellAndFallback
    void aProcessIgnoringSigtermDiesOfSigkillOnceTheGraceHasPassed(Shell shell) throws Exception {
      long grace = 4;
      Task task = task(shell);
      Started wrapper =
          task.startWrapper(
              List.of("sh", "-c", "trap '' TERM; sleep 300 & sleep 300; wait"),
              List.of(),
              null,
              null);
      List<Long> tree = task.awaitAlive(3);

      long start = System.nanoTime();
      Started killer = task.startKiller(grace);
      await("alive at half the grace")
          .during(Duration.ofSeconds(grace / 2))
          .atMost(Duration.ofSeconds(grace))
          .until(() -> task.alive().equals(tree));
      Result kill = killer.await();

      assertTrue(
          elapsed(start).toMillis() >= grace * 1000,
          "SIGKILL only after the grace period, not after " + elapsed(start));
      // While it waits it says so, at least once a second: the operator tells a slow killer
      // from a hung one by its silence.
      List<String> lines = kill.stdout().lines().toList();
      assertTrue(
          lines.subList(0, lines.size() - 1).stream()
                  .filter(InContainerScripts.KILLER_WORKING::equals)
                  .count()
              >= grace - 1,
          kill.stdout());
      assertTrue(
          lines.subList(0, lines.size() - 1).stream()
              .allMatch(InContainerScripts.KILLER_WORKING::equals),
          kill.stdout());
      assertEquals("exectask-killer signalled=3 remaining=0\n", kill.withoutHeartbeats().killed());
      assertEquals(List.of(), task.alive());
      assertEquals(137, wrapper.await().exitCode());
    }

    /**
     * A kill that comes before the wrapper (its exec still on its way when the task is deleted)
     * leaves a tombstone: the late wrapper never starts the command.
     */
    @EachShellAndFallback
    void aWrapperThatArrivesAfterItsKillerNeverStartsTheCommand(Shell shell) throws Exception {
      Task task = task(shell);
      Path started = Path.of(task.tmpdir, "started");

      Result kill = task.runKiller(0);
      assertEquals(KILLED_NONE, kill.killed());
      Result late =
          task.runWrapper(
              List.of("sh", "-c", ": > \"$0\"; sleep 300", started.toString()),
              List.of(),
              null,
              null);

      assertEquals(126, late.exitCode(), late.stderr());
      assertEquals("exectask: the task was killed before its command could start\n", late.stderr());
      assertFalse(Files.exists(started), "the command never ran");
      assertEquals(List.of(), task.alive());
      assertEquals(
          "the task was killed before its command could start\n",
          Files.readString(task.stateDir().resolve("failed")));
    }

    /** Once the killer has seen the wrapper gone, no tombstone is left behind. */
    @EachShellAndFallback
    void aKillAfterTheWrapperRanLeavesNoTombstone(Shell shell) throws Exception {
      Task task = task(shell);
      Started wrapper = task.startSleeping();
      task.awaitAlive(1);

      assertEquals(KILLED_ONE, task.runKiller(0).killed());
      wrapper.await();

      try (var left = Files.list(Path.of(task.tmpdir, ".exectask"))) {
        assertEquals(List.of(), left.toList());
      }
    }

    @EachShellAndFallback
    void gracePeriodZeroKillsAtOnce(Shell shell) {
      Task task = task(shell);
      task.startWrapper(List.of("sh", "-c", "trap '' TERM; sleep 300; :"), List.of(), null, null);
      List<Long> tree = task.awaitAlive(2);

      long start = System.nanoTime();
      Result kill = task.runKiller(0);

      assertEquals("exectask-killer signalled=" + tree.size() + " remaining=0\n", kill.killed());
      assertTrue(elapsed(start).toSeconds() < 5, "took " + elapsed(start));
    }

    @EachShellAndFallback
    void aStoppedProcessStillGetsToHandleSigterm(Shell shell) {
      Task task = task(shell);
      task.startWrapper(
          List.of("sh", "-c", "sleep 300 & kill -STOP $!; wait"), List.of(), null, null);
      task.awaitAlive(2);
      await().atMost(TIMEOUT).until(() -> task.alive().stream().anyMatch(Task::isStopped));

      long start = System.nanoTime();
      Result kill = task.runKiller(60);

      assertEquals("exectask-killer signalled=2 remaining=0\n", kill.killed());
      assertTrue(elapsed(start).toSeconds() < 30, "took " + elapsed(start));
    }
  }

  /** Names and input that used to reach the wrapper's own shell, and input cut short. */
  @Nested
  class WrapperInput {

    /** Every name the contract allows runs the argv verbatim, with the task's own marker. */
    @EachShell
    void envNamesTheWrapperOrTheShellUsesReachTheCommandVerbatim(Shell shell) {
      Task task = task(shell);
      Task other = task(shell);
      List<Map.Entry<String, String>> env =
          List.of(
              Map.entry("uid", other.uid),
              Map.entry("envcount", "2"),
              Map.entry("setsid", "/bin/false"),
              Map.entry("state", "/"),
              Map.entry("token", "1"),
              Map.entry("marker", "EXECTASK_UID=" + other.uid),
              Map.entry("UID", "4242"),
              Map.entry("EUID", "4243"),
              Map.entry("PPID", "1"),
              Map.entry("IFS", "x"),
              Map.entry("line", "e A=B"),
              Map.entry("SECRET", "a\nb \\ 'q' $(no) \u00fc"));

      Result result = task.runWrapper(List.of("env"), env, null, null);

      assertEquals(0, result.exitCode(), result.stderr());
      List<String> printed =
          List.of(result.stdout().replaceFirst("\n$", "").split("\n(?=[A-Za-z_][A-Za-z0-9_]*=)"));
      for (Map.Entry<String, String> variable : env) {
        assertTrue(
            printed.contains(variable.getKey() + "=" + variable.getValue()),
            variable + " not in " + printed);
      }
      assertTrue(printed.contains("EXECTASK_UID=" + task.uid), printed.toString());
      assertEquals(
          1,
          printed.stream().filter(line -> line.startsWith("EXECTASK_UID=")).count(),
          "one marker");
    }

    @EachShell
    void aCommandWithThoseNamesIsKilledByItsOwnKillerAndNotByAnothers(Shell shell) {
      Task task = task(shell);
      Task other = task(shell);
      Started wrapper =
          task.startWrapper(
              List.of("sleep", "300"),
              List.of(
                  Map.entry("uid", other.uid),
                  Map.entry("envcount", "1"),
                  Map.entry("UID", "0"),
                  Map.entry("PPID", "1")),
              null,
              null);
      task.awaitCommandPid();
      task.awaitAlive(1);

      assertEquals(KILLED_NONE, other.runKiller(5).killed());
      assertEquals(1, task.alive().size(), "another task's killer left it alone");
      assertEquals(KILLED_ONE, task.runKiller(5).killed());
      assertEquals(143, wrapper.await().exitCode());
    }

    @EachShell
    void aProgramNamedWithAnEqualsSignStillRuns(Shell shell) throws IOException {
      Path program = tmp.resolve("a=b");
      Files.writeString(program, "#!/bin/sh\nprintf '[%s]' \"$@\" \"$V\"\n");
      Files.setPosixFilePermissions(program, PosixFilePermissions.fromString("rwx------"));

      Result result =
          task(shell)
              .runWrapper(
                  List.of(program.toString(), "x=y", "-"),
                  List.of(Map.entry("V", "v")),
                  null,
                  null);

      assertEquals("[x=y][-][v]", result.stdout(), result.stderr());
    }

    static Stream<Arguments> cuts() {
      return shells().flatMap(shell -> Stream.of(0, 1, 40, -1).map(at -> Arguments.of(shell, at)));
    }

    /** A dropped connection ends stdin early: the command never runs on a prefix of its input. */
    @ParameterizedTest(name = "{0}: cut at {1}")
    @MethodSource("cuts")
    void stdinCutShortFailsWithoutRunningTheCommand(Shell shell, int at) throws IOException {
      Task task = task(shell);
      Path proof = task.dir.resolve("ran");
      InContainerScripts.WrapperExec exec =
          InContainerScripts.wrapper(
              task.uid,
              List.of("sh", "-c", "cat >\"$1\"", "sh", proof.toString()),
              List.of(Map.entry("TOKEN", "secret")),
              null,
              "0123456789".repeat(10).getBytes(UTF_8));
      int sent = at >= 0 ? at : exec.payload().length - 1;

      Result result = task.startWrapperWithPayload(exec, sent).await();

      String why = "stdin was cut short: got " + sent + " of " + exec.payload().length + " bytes";
      assertEquals(126, result.exitCode());
      assertEquals("exectask: " + why + "\n", result.stderr());
      assertFalse(Files.exists(proof), "the command never ran");
      assertEquals(why + "\n", Files.readString(task.stateDir().resolve("failed")));
      assertFalse(Files.exists(task.stateDir().resolve("payload")), "no secret left on disk");
      assertEquals("exectask-observer failed " + why + "\n", task.runObserver().stdout());
    }

    @EachShell
    void thePayloadIsGoneOnceTheCommandRunsAndNothingOfItIsInTheArgv(Shell shell)
        throws IOException {
      Task task = task(shell);
      InContainerScripts.WrapperExec exec =
          InContainerScripts.wrapper(
              task.uid,
              List.of("sh", "-c", "sleep 300", "argv-secret"),
              List.of(Map.entry("PASSWORD", "env-secret")),
              "/",
              "stdin-secret".getBytes(UTF_8));
      assertFalse(
          String.join(" ", exec.argv()).matches("(?s).*(secret|PASSWORD|sleep 300).*"),
          "nothing of the user's in the exec argv");

      task.startWrapperWithPayload(exec, exec.payload().length);
      task.awaitCommandPid();

      try (Stream<Path> files = Files.list(task.stateDir())) {
        // What dd said of each chunk the relays passed on comes and goes as output passes;
        // nothing else is there.
        assertEquals(
            List.of("pid", "stderr.fifo", "stderr.log", "stdin", "stdout.fifo", "stdout.log"),
            files
                .map(f -> f.getFileName().toString())
                .filter(name -> !name.endsWith(".count"))
                .sorted()
                .toList());
      }
      assertTrue(task.runKiller(5).killed().endsWith(" remaining=0\n"));
      assertEquals(List.of(), task.alive());
    }
  }

  /**
   * Trees that shed the marker, their group and their parent at once: daemons that rewrite their
   * title or environment, and processes of another uid whose environment the killer cannot read.
   */
  @Nested
  class HostileTrees {

    /** What a daemon leaves: one process, found by nothing but the token once it is set up. */
    private HostProcess awaitDaemon(Task task, String uidOrNull) {
      await("the daemon")
          .atMost(TIMEOUT)
          .until(() -> HostProcess.carryingToken(task.uid).size() == 1);
      HostProcess daemon = HostProcess.carryingToken(task.uid).get(0);
      await("its title rewritten, its marker gone")
          .atMost(TIMEOUT)
          .until(
              () ->
                  HostProcess.of(daemon.pid())
                      .map(
                          p ->
                              !p.environ().contains(InContainerScripts.MARKER_ENV + "=" + task.uid))
                      .orElse(false));
      assertTrue(daemon.pgrp() != task.commandPid, "left the command's group");
      return daemon;
    }

    static Stream<Arguments> daemons() {
      String perl =
          "use POSIX; fork and exit; POSIX::setsid(); fork and exit;"
              + " $0 = \"nginx: worker process\"; %ENV = (); close STDIN; close STDOUT;"
              + " close STDERR; sleep 300";
      String python =
          "import os, sys\n"
              + "if os.fork(): sys.exit(0)\n"
              + "os.setsid()\n"
              + "if os.fork(): sys.exit(0)\n"
              + "os.closerange(0, 3)\n"
              + "os.execve(sys.executable, [sys.executable, '-c', 'import time; time.sleep(300)'],"
              + " {})\n";
      return shells()
          .flatMap(
              shell ->
                  Stream.of(
                      Arguments.of(shell, "perl", List.of("perl", "-e", perl)),
                      Arguments.of(shell, "python", List.of("python3", "-c", python))));
    }

    /**
     * A name (comm) shows in /proc/PID/stat between parentheses: one that holds a newline, a
     * parenthesis and what looks like a zombie's state must not pass the process off as gone.
     */
    @EachShellAndFallback
    void aProcessWhoseNameMimicsTheFieldsOfAZombieIsKilled(Shell shell) {
      assumeTrue(Shell.onPath("python3").isPresent(), "python3 is not on PATH");
      Task task = task(shell);
      String renamed = "x) Z 1 1\n(y";
      Started wrapper =
          task.startWrapper(
              List.of(
                  "python3",
                  "-c",
                  "import time\n"
                      + "open('/proc/self/comm', 'w').write('x) Z 1 1\\n(y')\n"
                      + "time.sleep(300)\n"),
              List.of(),
              null,
              null);
      long command = task.awaitCommandPid();
      await("its name rewritten")
          .atMost(TIMEOUT)
          .until(() -> Files.readString(Path.of("/proc/" + command + "/comm")).startsWith("x) Z"));
      assertEquals(renamed + "\n", readOrEmpty(Path.of("/proc/" + command + "/comm")));

      assertEquals(KILLED_ONE, task.runKiller(5).killed());
      assertEquals(Optional.empty(), HostProcess.of(command), "the renamed process is gone");
      assertEquals(143, wrapper.await().exitCode());
    }

    private static String readOrEmpty(Path path) {
      try {
        return Files.readString(path);
      } catch (IOException e) {
        return "";
      }
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("daemons")
    void aDaemonThatDoubleForksSetsidsAndRewritesItsTitleIsKilled(
        Shell shell, String language, List<String> daemon) {
      assumeTrue(Shell.onPath(daemon.get(0)).isPresent(), daemon.get(0) + " is not on PATH");
      Task task = task(shell);

      Result command = task.runWrapper(daemon, List.of(), null, null);

      assertEquals(0, command.exitCode(), command.stderr());
      task.awaitCommandPid();
      HostProcess found = awaitDaemon(task, null);
      assertEquals(KILLED_ONE, task.runKiller(5).killed());
      assertEquals(Optional.empty(), HostProcess.of(found.pid()), "the daemon is gone");
    }

    /**
     * Another uid, in its own session, reparented: as the killer runs without CAP_SYS_PTRACE (as in
     * a default container), its environment is unreadable, so only the token can find it.
     */
    @EachShell
    void aProcessOfAnotherUidIsKilledByAKillerThatCannotReadItsEnvironment(Shell shell) {
      assumeTrue(Shell.onPath("setpriv").isPresent(), "setpriv (util-linux) is not on PATH");
      assumeTrue("root".equals(System.getProperty("user.name")), "needs root to change uid");
      Task task = task(shell);

      Result command =
          task.runWrapper(
              List.of(
                  Shell.onPath("setpriv").orElseThrow().toString(),
                  "--reuid=1234",
                  "--regid=1234",
                  "--clear-groups",
                  "sh",
                  "-c",
                  "(setsid sleep 300 </dev/null >/dev/null 2>&1 &)"),
              List.of(),
              null,
              null);
      assertEquals(0, command.exitCode(), command.stderr());
      await().atMost(TIMEOUT).until(() -> HostProcess.carryingToken(task.uid).size() == 1);
      long pid = HostProcess.carryingToken(task.uid).get(0).pid();

      Result kill = task.withoutPtrace().runKiller(5);

      assertEquals(KILLED_ONE, kill.killed(), kill.stderr());
      assertEquals(Optional.empty(), HostProcess.of(pid), "the other uid's process is gone");
    }
  }

  @Nested
  class Observer {

    @EachShellAndFallback
    void reportsTheExitStatusOfAFinishedCommandWithItsOutputRecords(Shell shell) {
      Task task = task(shell);
      Result ran =
          task.runWrapper(
              List.of("sh", "-c", "echo out; printf 'e\\0r' >&2; exit 3"), List.of(), null, null);
      assertEquals("out\n", ran.stdout(), "the relay passes the output on to the exec");
      assertEquals(3, ran.exitCode(), "the command's own status");

      assertEquals(
          "exectask-observer exited=3\n"
              + "exectask-output stdout 6\n4\nout\n"
              + "exectask-output stderr 5\n3\ne\0r",
          task.runObserver().stdout());
    }

    @EachShellAndFallback
    void aLongOutputKeepsExactTotalsAndOnlyTheLastFourKibibytes(Shell shell) throws IOException {
      Task task = task(shell);
      // 100000 numbered lines, 588890 bytes, in many chunks of varying size.
      Result ran =
          task.runWrapper(
              List.of("sh", "-c", "i=0; while [ $i -lt 100000 ]; do echo $i; i=$((i+1)); done"),
              List.of(),
              null,
              null);
      assertEquals(0, ran.exitCode());
      assertEquals(588_890, ran.stdout().length(), "the exec got every byte");

      ObserverReport report =
          InContainerScripts.parseObserverReport(task.runObserver().stdout().getBytes(UTF_8));
      assertEquals(588_890, report.stdout().totalBytes());
      String tail = new String(report.stdout().tail(), UTF_8);
      assertEquals(4096, report.stdout().tail().length);
      assertTrue(tail.endsWith("\n99998\n99999\n"), tail);
      assertEquals(ran.stdout().substring(ran.stdout().length() - 4096), tail);
      assertEquals(0, report.stderr().totalBytes());
      // The log starts again from its last 4 KiB past 16 KiB, and a chunk is at most 64 KiB.
      long kept = Files.size(task.stateDir().resolve("stdout.log"));
      assertTrue(kept <= 16_384 + 65_536 + 8, "the log on disk stays bounded: " + kept + " bytes");
    }

    @EachShellAndFallback
    void answersAtOnceWhileTheCommandRunsAndLaterWithItsExit(Shell shell) throws IOException {
      Path go = tmp.resolve("go");
      Task task = task(shell);
      task.startWrapper(
          List.of(
              "sh",
              "-c",
              "echo started; while [ ! -e \"$1\" ]; do sleep 0.1; done; exit 5",
              "sh",
              go + ""),
          List.of(),
          null,
          null);
      task.awaitCommandPid();

      await()
          .atMost(TIMEOUT)
          .until(
              () -> task.runObserver().stdout(),
              out ->
                  out.equals(
                      "exectask-observer running\n"
                          + "exectask-output stdout 10\n8\nstarted\n"
                          + "exectask-output stderr 2\n0\n"));
      Files.writeString(go, "");

      await()
          .atMost(TIMEOUT)
          .until(
              () -> firstLine(task.runObserver().stdout()), "exectask-observer exited=5"::equals);
    }

    /** A relay creates its log in place: a look before that one write finds it empty. */
    @EachShellAndFallback
    void anEmptyRecordIsNoRecordYetAndTheReportStaysReadable(Shell shell) throws IOException {
      Task task = task(shell);
      task.startWrapper(List.of("sh", "-c", "echo started; sleep 300"), List.of(), null, null);
      task.awaitCommandPid();
      await()
          .atMost(TIMEOUT)
          .until(() -> task.runObserver().stdout(), out -> out.contains("\nstarted\n"));

      Files.write(task.stateDir().resolve("stderr.log"), new byte[0]);

      String out = task.runObserver().stdout();
      assertEquals("exectask-observer running\n" + "exectask-output stdout 10\n8\nstarted\n", out);
      ObserverReport report = InContainerScripts.parseObserverReport(out.getBytes(UTF_8));
      assertEquals(8, report.stdout().totalBytes());
      assertNull(report.stderr(), "no stderr record yet");
      assertEquals(0, task.runKiller(10).exitCode());
    }

    /** Records are written in place: one still without its newline is not there yet. */
    @EachShellAndFallback
    void anExitRecordWithoutItsNewlineIsNotAnExit(Shell shell) throws IOException {
      Task task = task(shell);
      task.startSleeping();
      task.awaitCommandPid();
      Files.writeString(task.stateDir().resolve("exit"), "13");

      assertEquals("exectask-observer running", firstLine(task.runObserver().stdout()));
      Files.writeString(task.stateDir().resolve("exit"), "137 1764806400\n");
      assertEquals("exectask-observer exited=137", firstLine(task.runObserver().stdout()));
      assertEquals(0, task.runKiller(10).exitCode());
    }

    @EachShellAndFallback
    void reportsLostWhenTheWrapperDiedWithoutRecordingAStatus(Shell shell) {
      Task task = task(shell);
      Started wrapper = task.startSleeping();
      long command = task.awaitCommandPid();
      wrapper.process().destroyForcibly();
      assertEquals(137, wrapper.await().exitCode());

      assertEquals("exectask-observer running", firstLine(task.runObserver().stdout()));
      ProcessHandle.of(command).ifPresent(ProcessHandle::destroyForcibly);

      await()
          .atMost(TIMEOUT)
          .until(() -> firstLine(task.runObserver().stdout()), "exectask-observer lost"::equals);
    }

    @EachShellAndFallback
    void reportsAbsentWhenNothingOfTheTaskIsThere(Shell shell) {
      Task task = task(shell);

      assertEquals("exectask-observer absent\n", task.runObserver().stdout());
      task.runWrapper(List.of("true"), List.of(), null, null);
      assertEquals(KILLED_NONE, task.runKiller(1).killed());
      assertEquals("exectask-observer absent\n", task.runObserver().stdout());
    }

    @EachShellAndFallback
    void reportsRunningUntrackedWithoutAStateDirAndTheKillerStillFindsTheTree(Shell shell)
        throws IOException {
      Task task = task(shell);
      Started wrapper = task.startSleeping();
      deleteFlatDir(task.stateDir());

      assertEquals("exectask-observer running-untracked\n", task.runObserver().stdout());
      assertEquals(KILLED_ONE, task.runKiller(5).killed());
      assertEquals(143, wrapper.await().exitCode());
    }

    @EachShellAndFallback
    void fallsBackToDevShmWhenTmpdirIsNotWritable(Shell shell) {
      assumeTrue(Files.isDirectory(Path.of("/dev/shm")), "no /dev/shm on this host");
      Task task = task(shell).withTmpdir("/proc/exectask-not-writable");
      Path stateDir = Path.of("/dev/shm/.exectask", task.uid);

      task.runWrapper(List.of("sh", "-c", "exit 4"), List.of(), null, null);

      assertTrue(Files.isDirectory(stateDir), "state dir in /dev/shm");
      assertEquals("exectask-observer exited=4", firstLine(task.runObserver().stdout()));
      assertEquals(KILLED_NONE, task.runKiller(1).killed());
      assertFalse(Files.exists(stateDir), "the killer removed it");
    }
  }

  private static String firstLine(String text) {
    int end = text.indexOf('\n');
    return end < 0 ? text : text.substring(0, end);
  }

  /** Deletes a directory that holds only files. */
  private static void deleteFlatDir(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    Files.delete(dir);
  }

  private static Duration elapsed(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** A shell under test; a missing one skips the tests that need it, saying what to install. */
  record Shell(String name, List<String> launcher, String pathPrefix, String missing) {

    static Shell dash() {
      Optional<Path> dash = onPath("dash");
      return new Shell(
          "dash",
          dash.map(path -> List.of(path.toString())).orElse(List.of()),
          null,
          dash.isPresent() ? null : "dash is not on PATH: install the dash package");
    }

    /** bash in POSIX mode, as when /bin/sh is bash (RHEL, UBI and Amazon Linux images). */
    static Shell bashAsSh() {
      Optional<Path> bash = onPath("bash");
      return new Shell(
          "bash as sh",
          bash.map(path -> List.of(path.toString(), "--posix")).orElse(List.of()),
          null,
          bash.isPresent() ? null : "bash is not on PATH: install the bash package");
    }

    /** busybox ash with every busybox applet first in PATH, so the scripts use busybox's tools. */
    static Shell busybox() {
      Optional<Path> busybox = onPath("busybox");
      if (busybox.isEmpty()) {
        return new Shell(
            "busybox", List.of(), null, "busybox is not on PATH: install the busybox package");
      }
      try {
        Path applets = Files.createTempDirectory("exectask-busybox-applets");
        Process list = new ProcessBuilder(busybox.get().toString(), "--list").start();
        for (String applet : new String(list.getInputStream().readAllBytes(), UTF_8).split("\n")) {
          if (!applet.isBlank()) {
            Files.createSymbolicLink(applets.resolve(applet.strip()), busybox.get());
          }
        }
        list.waitFor();
        deleteOnExit(applets);
        return new Shell(
            "busybox ash", List.of(busybox.get().toString(), "sh"), applets.toString(), null);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    /** The same shell, with a grep in front that refuses -z and -o. */
    Shell withoutGrepExtras() {
      if (missing != null) {
        return new Shell(name + " without grep -z or -o", launcher, pathPrefix, missing);
      }
      try {
        Path dir = Files.createTempDirectory("exectask-grep-without-z");
        Path grep = dir.resolve("grep");
        Files.writeString(
            grep,
            String.join(
                "\n",
                "#!/bin/sh",
                "for arg; do",
                "  case $arg in",
                "    -*z* | -*o*) echo \"grep: invalid option: $arg\" >&2; exit 2 ;;",
                "    -?*) ;;",
                "    *) break ;;",
                "  esac",
                "done",
                "exec " + launcher.get(0) + " grep \"$@\"",
                ""));
        Files.setPosixFilePermissions(grep, PosixFilePermissions.fromString("rwxr-xr-x"));
        deleteOnExit(dir);
        return new Shell(
            name + " without grep -z or -o", launcher, dir + File.pathSeparator + pathPrefix, null);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    static Optional<Path> onPath(String name) {
      return Stream.of(System.getenv("PATH").split(File.pathSeparator))
          .map(dir -> Path.of(dir, name))
          .filter(Files::isExecutable)
          .findFirst();
    }

    private static void deleteOnExit(Path dir) {
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      deleteFlatDir(dir);
                    } catch (IOException e) {
                      // a temporary directory left behind is no reason to fail the run
                    }
                  }));
    }

    /** The script's argv with "sh" replaced by this shell. */
    List<String> argv(List<String> scriptArgv) {
      assumeTrue(missing == null, missing);
      assertEquals("sh", scriptArgv.get(0));
      List<String> argv = new ArrayList<>(launcher);
      argv.addAll(scriptArgv.subList(1, scriptArgv.size()));
      return argv;
    }

    @Override
    public String toString() {
      return name;
    }
  }

  record Result(int exitCode, String stdout, String stderr) {

    /** A killer's output without its "working" lines. */
    Result withoutHeartbeats() {
      return new Result(
          exitCode, stdout.replace(InContainerScripts.KILLER_WORKING + "\n", ""), stderr);
    }

    /** The killer's report without the exit it read from the state dir (asserted apart). */
    String killed() {
      return stdout.replaceFirst(" exited=\\d+( at=\\d+)?\n$", "\n");
    }
  }

  /** A process started by a test, its output in files so that nothing blocks on a pipe. */
  record Started(Process process, Path stdout, Path stderr) {

    void assertBlocksFor(Duration duration) {
      Awaitility.await("still running")
          .during(duration)
          .atMost(duration.plusSeconds(2))
          .until(process::isAlive);
    }

    Result await() {
      try {
        if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
          process.destroyForcibly().waitFor();
          fail("still running after " + TIMEOUT + ": " + process.info().commandLine());
        }
        return new Result(
            process.exitValue(),
            new String(Files.readAllBytes(stdout), UTF_8),
            new String(Files.readAllBytes(stderr), UTF_8));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  /** One task: its uid, its TMPDIR, the processes the test started for it. */
  static final class Task {
    final String uid = "test-" + UUID.randomUUID();
    private final Shell shell;
    private final Path dir;
    private String tmpdir;
    private final List<Process> started = new ArrayList<>();
    private final AtomicInteger runs = new AtomicInteger();
    private long commandPid = -1;

    Task(Shell shell, Path dir) {
      this.shell = shell;
      this.dir = dir;
      this.tmpdir = dir.resolve("tmp").toString();
    }

    private boolean withoutPtrace;

    /** Later scripts run without CAP_SYS_PTRACE, as in a container a runtime starts by default. */
    Task withoutPtrace() {
      this.withoutPtrace = true;
      return this;
    }

    Task withTmpdir(String tmpdir) {
      this.tmpdir = tmpdir;
      return this;
    }

    Path stateDir() {
      return Path.of(tmpdir, ".exectask", uid);
    }

    /** Writes the whole payload to the wrapper's stdin and keeps it open, as an exec does. */
    Started startWrapper(
        List<String> argv, List<Map.Entry<String, String>> env, String workingDir, byte[] stdin) {
      InContainerScripts.WrapperExec exec =
          InContainerScripts.wrapper(uid, argv, env, workingDir, stdin);
      return startWrapperWithPayload(exec, exec.payload().length);
    }

    /** Writes only the first {@code sent} bytes of the payload, then closes stdin. */
    Started startWrapperWithPayload(InContainerScripts.WrapperExec exec, int sent) {
      Started wrapper = start(exec.argv());
      try {
        OutputStream in = wrapper.process().getOutputStream();
        in.write(exec.payload(), 0, sent);
        in.flush();
        if (sent < exec.payload().length) {
          in.close();
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return wrapper;
    }

    /** A wrapper running `sleep 300`, once it has recorded the command's pid. */
    Started startSleeping() {
      Started wrapper = startWrapper(List.of("sleep", "300"), List.of(), null, null);
      awaitCommandPid();
      return wrapper;
    }

    Result runWrapper(
        List<String> argv, List<Map.Entry<String, String>> env, String workingDir, byte[] stdin) {
      return startWrapper(argv, env, workingDir, stdin).await();
    }

    Started startKiller(long grace) {
      return start(InContainerScripts.killerCommand(uid, grace));
    }

    /** Runs the killer; its stdout without the lines that say it is still working. */
    Result runKiller(long grace) {
      Result result = startKiller(grace).await().withoutHeartbeats();
      InContainerScripts.parseKillReport(result.stdout());
      return result;
    }

    Started startObserver() {
      return start(InContainerScripts.observerCommand(uid));
    }

    Result runObserver() {
      Result result = startObserver().await();
      assertEquals(0, result.exitCode(), "the observer's exit; stderr: " + result.stderr());
      InContainerScripts.parseObserverReport(result.stdout().getBytes(UTF_8));
      return result;
    }

    Started start(List<String> scriptArgv) {
      try {
        Files.createDirectories(dir.resolve("tmp"));
        int run = runs.incrementAndGet();
        Path stdout = dir.resolve(run + ".out");
        Path stderr = dir.resolve(run + ".err");
        List<String> argv = new ArrayList<>();
        if (withoutPtrace) {
          argv.addAll(
              List.of(
                  Shell.onPath("setpriv").orElseThrow().toString(),
                  "--bounding-set=-sys_ptrace",
                  "--inh-caps=-sys_ptrace"));
        }
        argv.addAll(shell.argv(scriptArgv));
        ProcessBuilder builder =
            new ProcessBuilder(argv).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        Map<String, String> environment = builder.environment();
        environment.remove(InContainerScripts.MARKER_ENV);
        environment.put("TMPDIR", tmpdir);
        if (shell.pathPrefix() != null) {
          environment.put(
              "PATH", shell.pathPrefix() + File.pathSeparator + environment.get("PATH"));
        }
        Process process = builder.start();
        started.add(process);
        return new Started(process, stdout, stderr);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** The command's pid, once the wrapper has recorded it. */
    long awaitCommandPid() {
      Path record = stateDir().resolve("pid");
      await("the wrapper's record")
          .atMost(TIMEOUT)
          .until(() -> Files.exists(record) && !Files.readString(record).split(" ")[1].equals("0"));
      try {
        commandPid = Long.parseLong(Files.readString(record).split(" ")[1]);
        return commandPid;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    List<Long> awaitAlive(int processes) {
      await(processes + " processes of the task")
          .atMost(TIMEOUT)
          .until(() -> alive().size() == processes);
      return alive();
    }

    /**
     * The live (not zombie) processes whose environment holds this task's marker or whose CPU-time
     * limit is its token, and, once its pid is known, those in the command's process group.
     */
    List<Long> alive() {
      String marker = InContainerScripts.MARKER_ENV + "=" + uid;
      String token = Long.toString(InContainerScripts.cpuToken(uid));
      return HostProcess.all().stream()
          .filter(
              proc ->
                  proc.environ().contains(marker)
                      || proc.pgrp() == commandPid
                      || HostProcess.cpuSoftLimit(proc.pid()).filter(token::equals).isPresent())
          .map(HostProcess::pid)
          .toList();
    }

    static boolean isStopped(long pid) {
      return HostProcess.of(pid).map(proc -> proc.state().equals("T")).orElse(false);
    }

    /** Reaps what the test started and kills what is left of the task; returns what was left. */
    List<String> close() {
      List<String> leftovers = new ArrayList<>();
      for (Long pid : alive()) {
        leftovers.add(pid + " " + ProcessHandle.of(pid).flatMap(h -> h.info().commandLine()));
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      }
      for (Process process : started) {
        process.destroyForcibly();
        try {
          process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return leftovers;
    }
  }
}
