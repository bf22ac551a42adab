package dev.exectask.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.exectask.api.v1alpha1.EnvVar;
import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.api.v1alpha1.ExecTaskStatus;
import dev.exectask.api.v1alpha1.Phase;
import dev.exectask.api.v1alpha1.Reasons;
import dev.exectask.testing.HostFreezer;
import dev.exectask.testing.HostProcess;
import dev.exectask.testing.SandboxTestResource;
import dev.exectask.testing.TestNamespace;
import dev.exectask.testing.TestPods;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The ExecTask lifecycle against the sandbox: real processes in real PID namespaces. Tests check
 * the host's /proc, not only the status, for what is left of a task's processes.
 */
@QuarkusTest
@QuarkusTestResource(SandboxTestResource.class)
class ExecTaskLifecycleTest {

  static final Duration SHORT = Duration.ofSeconds(30);

  @RegisterExtension TestNamespace ns = new TestNamespace();

  @Inject KubernetesClient client;

  // ---- helpers -------------------------------------------------------------------------------

  Pod pod(
      String name,
      Map<String, String> annotations,
      Map<String, String> labels,
      String... containers) {
    PodBuilder builder =
        new PodBuilder()
            .withNewMetadata()
            .withName(name)
            .withNamespace(ns.name())
            .withAnnotations(annotations)
            .withLabels(labels)
            .endMetadata()
            .withNewSpec()
            .endSpec();
    for (String c : containers.length == 0 ? new String[] {"main"} : containers) {
      builder
          .editSpec()
          .addNewContainer()
          .withName(c)
          .withImage("busybox")
          .endContainer()
          .endSpec();
    }
    client.pods().inNamespace(ns.name()).resource(builder.build()).create();
    await()
        .atMost(SHORT)
        .until(
            () -> {
              Pod p = client.pods().inNamespace(ns.name()).withName(name).get();
              return TestPods.isRunning(p)
                  && p.getStatus().getContainerStatuses().size()
                      == builder.buildSpec().getContainers().size();
            });
    return client.pods().inNamespace(ns.name()).withName(name).get();
  }

  Pod pod(String name) {
    return pod(name, Map.of(), Map.of());
  }

  ExecTask task(String name, Consumer<ExecTaskSpec> spec) {
    ExecTask task = new ExecTask();
    task.getMetadata().setName(name);
    task.getMetadata().setNamespace(ns.name());
    ExecTaskSpec s = new ExecTaskSpec();
    s.setPodName("p");
    spec.accept(s);
    task.setSpec(s);
    return client.resources(ExecTask.class).inNamespace(ns.name()).resource(task).create();
  }

  ExecTask get(String name) {
    return client.resources(ExecTask.class).inNamespace(ns.name()).withName(name).get();
  }

  ExecTaskStatus awaitPhase(String name, Phase phase) {
    return awaitPhase(name, phase, SHORT);
  }

  ExecTaskStatus awaitPhase(String name, Phase phase, Duration within) {
    await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              ExecTask t = get(name);
              return t != null && t.getStatus() != null && t.getStatus().getPhase() == phase;
            });
    return get(name).getStatus();
  }

  /** Waits until the task's command has processes in the container, and returns the task UID. */
  String awaitProcesses(String name, int atLeast) {
    String uid = get(name).getMetadata().getUid();
    await()
        .atMost(SHORT)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> HostProcess.carryingMarker(uid).size() >= atLeast);
    return uid;
  }

  /** Neither the marker nor the CPU-time token (which survives a title or environment rewrite). */
  static void assertNothingLeft(String uid) {
    assertEquals(
        List.of(), HostProcess.carryingMarker(uid), "processes of the task alive on the host");
    assertEquals(
        List.of(), HostProcess.carryingToken(uid), "processes with the task's token on the host");
  }

  void delete(String name) {
    client.resources(ExecTask.class).inNamespace(ns.name()).withName(name).delete();
  }

  List<Event> events(String name) {
    return client.v1().events().inNamespace(ns.name()).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()))
        .collect(Collectors.toList());
  }

  List<String> eventReasons(String name) {
    return events(name).stream().map(Event::getReason).collect(Collectors.toList());
  }

  static String condition(ExecTaskStatus status, String type) {
    return status.getConditions().stream()
        .filter(c -> type.equals(c.getType()))
        .map(Condition::getStatus)
        .findFirst()
        .orElse(null);
  }

  // ---- running to completion -----------------------------------------------------------------

  @Test
  void successRecordsExitCodeOutputConditionsAndEvents() {
    pod("p");
    task("ok", s -> s.setCommand(List.of("sh", "-c", "echo hello; echo oops >&2")));
    ExecTaskStatus status = awaitPhase("ok", Phase.Succeeded);
    assertEquals(Reasons.COMPLETED, status.getReason());
    assertEquals(0, status.getExitCode());
    assertEquals("hello\n", status.getStdout());
    assertEquals("oops\n", status.getStderr());
    assertEquals(6L, status.getStdoutBytes());
    assertEquals(5L, status.getStderrBytes());
    assertEquals(0, status.getKilledProcesses());
    assertEquals("p", status.getPodName());
    assertEquals("main", status.getContainer());
    assertNotNull(status.getStartTime());
    assertNotNull(status.getCompletionTime());
    assertNotNull(status.getDuration());
    assertEquals("True", condition(status, "Complete"));
    assertEquals("False", condition(status, "Failed"));
    assertEquals("False", condition(status, "Reconciling"));
    assertEquals("False", condition(status, "Stalled"));
    await()
        .atMost(SHORT)
        .until(() -> eventReasons("ok").containsAll(List.of("Started", "Completed")));
    assertNothingLeft(get("ok").getMetadata().getUid());
  }

  @Test
  void nonZeroExitCodeFails() {
    pod("p");
    task("three", s -> s.setCommand(List.of("sh", "-c", "echo partial; exit 3")));
    ExecTaskStatus status = awaitPhase("three", Phase.Failed);
    assertEquals(Reasons.NON_ZERO_EXIT_CODE, status.getReason());
    assertEquals(3, status.getExitCode());
    assertEquals("partial\n", status.getStdout());
    assertEquals("True", condition(status, "Failed"));
    assertEquals("True", condition(status, "Stalled"));
    await().atMost(SHORT).until(() -> eventReasons("three").contains("Failed"));
  }

  @Test
  void aCommandThatKillsItselfReports137() {
    pod("p");
    task("suicide", s -> s.setCommand(List.of("sh", "-c", "kill -KILL $$")));
    ExecTaskStatus status = awaitPhase("suicide", Phase.Failed);
    assertEquals(Reasons.NON_ZERO_EXIT_CODE, status.getReason());
    assertEquals(137, status.getExitCode());
  }

  @Test
  void argvArrivesVerbatim() {
    pod("p");
    List<String> args =
        List.of(
            "a b",
            "\"quoted\" 'single'",
            "$(echo injected)",
            "x; echo no",
            "line1\nline2",
            "ünïcödé ✓",
            "");
    List<String> command = new ArrayList<>(List.of("printf", "[%s]"));
    command.addAll(args);
    task("argv", s -> s.setCommand(command));
    ExecTaskStatus status = awaitPhase("argv", Phase.Succeeded);
    assertEquals(
        args.stream().map(a -> "[" + a + "]").collect(Collectors.joining()), status.getStdout());
  }

  @Test
  void stdinEnvAndWorkingDirAreApplied() {
    pod("p");
    task(
        "io",
        s -> {
          s.setCommand(List.of("sh", "-c", "printf '%s|%s|' \"$GREETING\" \"$(pwd)\"; cat"));
          s.setEnv(List.of(new EnvVar("GREETING", "hello $USER `x` world")));
          s.setWorkingDir("/tmp");
          s.setStdin("first line\nsecond ✓\n");
        });
    ExecTaskStatus status = awaitPhase("io", Phase.Succeeded);
    assertEquals("hello $USER `x` world|/tmp|first line\nsecond ✓\n", status.getStdout());
  }

  @Test
  void withoutStdinTheCommandReadsEndOfFile() {
    pod("p");
    task("nostdin", s -> s.setCommand(List.of("sh", "-c", "cat; echo done")));
    assertEquals("done\n", awaitPhase("nostdin", Phase.Succeeded).getStdout());
  }

  @Test
  void twentyMebibytesOfOutputKeepOnlyTheTailAndDoNotStayOnTheHeap() {
    pod("p");
    long heapBefore = usedHeapAfterGc();
    task(
        "big",
        s ->
            s.setCommand(List.of("sh", "-c", "head -c 20971520 /dev/zero | tr '\\0' a; echo END")));
    ExecTaskStatus status = awaitPhase("big", Phase.Succeeded, Duration.ofSeconds(90));
    assertEquals(20971524L, status.getStdoutBytes());
    assertEquals(4096, status.getStdout().length());
    assertTrue(status.getStdout().endsWith("aaaEND\n"));
    long growth = usedHeapAfterGc() - heapBefore;
    System.out.printf("heap growth after 20 MiB of output: %d bytes%n", growth);
    assertTrue(
        growth < 8L * 1024 * 1024, "heap grew by " + growth + " bytes after 20 MiB of output");
  }

  static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  // ---- timeout --------------------------------------------------------------------------------

  /** expectedKilled 0: at least one. */
  void assertTimedOutWithNothingLeft(String name, String command, int expectedKilled) {
    task(
        name,
        s -> {
          s.setCommand(List.of("sh", "-c", command));
          s.setTimeoutSeconds(2L);
          s.setTerminationGracePeriodSeconds(0L);
        });
    String uid = awaitProcesses(name, 1);
    ExecTaskStatus status = awaitPhase(name, Phase.TimedOut);
    assertEquals(Reasons.DEADLINE_EXCEEDED, status.getReason());
    assertNull(status.getExitCode());
    assertEquals("True", condition(status, "Failed"));
    if (expectedKilled > 0) {
      assertEquals(expectedKilled, status.getKilledProcesses());
    } else {
      assertTrue(
          status.getKilledProcesses() >= 1, "killedProcesses " + status.getKilledProcesses());
    }
    assertNothingLeft(uid);
    await()
        .atMost(SHORT)
        .until(() -> eventReasons(name).containsAll(List.of("TimedOut", "Killed")));
  }

  @Test
  void timeoutKillsAPlainSleep() {
    pod("p");
    assertTimedOutWithNothingLeft("plain", "exec sleep 300", 1);
  }

  @Test
  void timeoutKillsATreeOfThree() {
    pod("p");
    assertTimedOutWithNothingLeft("tree", "sleep 300 & sleep 300 & wait", 3);
  }

  @Test
  void timeoutKillsDescendantsThatLeftTheGroup() {
    pod("p");
    assertTimedOutWithNothingLeft(
        "escapees",
        "setsid sleep 300 & nohup sleep 300 >/dev/null 2>&1 & sh -c 'sleep 300 &'; sleep 300",
        0);
  }

  @Test
  void aProcessIgnoringSigtermDiesBySigkillAfterTheGracePeriod() {
    pod("p");
    task(
        "stubborn",
        s -> {
          s.setCommand(List.of("sh", "-c", "trap '' TERM; sleep 300 & wait; wait"));
          s.setTimeoutSeconds(1L);
          s.setTerminationGracePeriodSeconds(4L);
        });
    String uid = awaitProcesses("stubborn", 2);
    Instant deadline =
        Instant.parse(awaitPhase("stubborn", Phase.Running).getStartTime()).plusSeconds(1);
    // Past the deadline, inside the grace period: SIGTERM was sent, and ignored.
    await().atMost(SHORT).until(() -> Instant.now().isAfter(deadline.plusMillis(2000)));
    assertEquals(Phase.Running, get("stubborn").getStatus().getPhase());
    assertFalse(HostProcess.carryingMarker(uid).isEmpty(), "died before the grace period ended");
    ExecTaskStatus status = awaitPhase("stubborn", Phase.TimedOut);
    Instant completed = Instant.parse(status.getCompletionTime());
    assertFalse(
        completed.isBefore(deadline.plusSeconds(4)),
        "verdict at " + completed + ", before the grace period ended");
    assertEquals(2, status.getKilledProcesses());
    assertNothingLeft(uid);
  }

  @Test
  void zombiesInANonReapingContainerDoNotCountAsAlive() {
    pod("p", Map.of("sandbox.exectask.dev/init", "no-reap"), Map.of());
    assertTimedOutWithNothingLeft("zombies", "sh -c 'sleep 300 &'; sleep 300", 0);
  }

  // ---- abort ----------------------------------------------------------------------------------

  @Test
  void deletingARunningTaskKillsItsTreeBeforeItGoesAway() {
    pod("p");
    task("abort", s -> s.setCommand(List.of("sh", "-c", "sleep 300 & sleep 300 & wait")));
    String uid = awaitProcesses("abort", 3);
    client.resources(ExecTask.class).inNamespace(ns.name()).withName("abort").delete();
    await().atMost(SHORT).pollInterval(Duration.ofMillis(50)).until(() -> get("abort") == null);
    assertNothingLeft(uid);
    await()
        .atMost(SHORT)
        .until(
            () ->
                events("abort").stream()
                    .anyMatch(
                        e ->
                            "Killed".equals(e.getReason())
                                && e.getMessage().contains("killed 3 processes")));
  }

  /**
   * What the user wrote travels on the exec's stdin, never in its URL: the sandbox's audit log (as
   * an API server's would) records every exec URL of the task, its start and its kill, and none
   * carries a value; on the host no process shows an env or stdin value in its cmdline, and the
   * argv only in the command's own.
   */
  @Test
  void argvEnvAndStdinValuesAreInNoExecUrlTheApiLogsAndInNoOtherCmdline() throws Exception {
    pod("p");
    String argvSecret = "argv-secret-" + java.util.UUID.randomUUID();
    String envSecret = "env-secret-" + java.util.UUID.randomUUID();
    String stdinSecret = "stdin-secret-" + java.util.UUID.randomUUID();
    List<String> command = List.of("sh", "-c", "read line; exec sleep 300", argvSecret);
    task(
        "secrets",
        s -> {
          s.setCommand(command);
          s.setEnv(List.of(new EnvVar("PASSWORD", envSecret)));
          s.setStdin(stdinSecret + "\n");
        });
    String uid = get("secrets").getMetadata().getUid();
    await()
        .atMost(SHORT)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                HostProcess.carryingMarker(uid).stream()
                    .anyMatch(p -> p.cmdline().equals(List.of("sleep", "300"))));
    List<HostProcess> all = HostProcess.all();
    for (String value : List.of(envSecret, stdinSecret)) {
      assertEquals(
          List.of(),
          all.stream().filter(p -> String.join(" ", p.cmdline()).contains(value)).toList(),
          "processes showing a value in their cmdline");
    }
    assertEquals(
        List.of(),
        all.stream()
            .filter(p -> String.join(" ", p.cmdline()).contains(argvSecret))
            .filter(p -> !p.cmdline().equals(command))
            .toList(),
        "processes other than the command showing its argv in their cmdline");

    delete("secrets");
    await().atMost(SHORT).pollInterval(Duration.ofMillis(50)).until(() -> get("secrets") == null);
    assertNothingLeft(uid);

    java.nio.file.Path auditLog = SandboxTestResource.sandbox().directory().resolve("audit.log");
    String execPath = "/api/v1/namespaces/" + ns.name() + "/pods/p/exec?";
    List<String> execs =
        java.nio.file.Files.readAllLines(auditLog).stream()
            .filter(line -> line.contains(execPath))
            .toList();
    // The command's exec, and at least the killer's on delete: the log does record exec URLs.
    assertTrue(execs.size() >= 2, "exec requests in the audit log: " + execs);
    assertTrue(
        execs.stream().allMatch(line -> line.contains(uid) && line.contains("\"code\":101")),
        "each exec names the task and was upgraded: " + execs);
    for (String value : List.of(argvSecret, envSecret, stdinSecret)) {
      assertEquals(
          List.of(),
          execs.stream().filter(line -> line.contains(value)).toList(),
          "exec URLs carrying a value");
      assertFalse(
          java.nio.file.Files.readString(auditLog).contains(value),
          "the audit log carries a value");
    }
  }

  /** A process tree to abort, and whether its container's init leaves orphans as zombies. */
  record Tree(String name, String command, boolean noReap) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Tree> trees() {
    return Stream.of(
        new Tree("plain sleep", "exec sleep 300", false),
        new Tree("three processes", "sleep 300 & sleep 300 & wait", false),
        new Tree("SIGTERM ignored", "trap '' TERM; sleep 300 & wait; wait", false),
        new Tree(
            "left the group",
            "setsid sleep 300 & nohup sleep 300 >/dev/null 2>&1 & sh -c 'sleep 300 &'; sleep 300",
            false),
        new Tree("non-reaping init", "sh -c 'sleep 300 &'; sleep 300", true));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("trees")
  void deletingARunningTaskKillsEveryKindOfTree(Tree tree) {
    pod("p", tree.noReap() ? Map.of("sandbox.exectask.dev/init", "no-reap") : Map.of(), Map.of());
    task(
        "abort",
        s -> {
          s.setCommand(List.of("sh", "-c", tree.command()));
          s.setTerminationGracePeriodSeconds(1L);
        });
    String uid = awaitProcesses("abort", 1);
    client.resources(ExecTask.class).inNamespace(ns.name()).withName("abort").delete();
    await().atMost(SHORT).pollInterval(Duration.ofMillis(50)).until(() -> get("abort") == null);
    assertNothingLeft(uid);
  }

  // ---- hostile and ordinary real-world trees (issue 7) ----------------------------------------

  /** Env names the wrapper or a shell uses itself, UID and PPID included. */
  static final List<EnvVar> WRAPPER_NAMES =
      List.of(
          new EnvVar("uid", "not-the-task-uid"),
          new EnvVar("envcount", "2"),
          new EnvVar("setsid", "/bin/false"),
          new EnvVar("state", "/"),
          new EnvVar("UID", "4242"),
          new EnvVar("PPID", "1"),
          new EnvVar("SECRET", "s3cr3t-value"));

  @Test
  void envNamesTheWrapperUsesReachTheCommandVerbatimAndTheArgvIsIntact() {
    pod("p");
    task(
        "names",
        s -> {
          s.setCommand(
              List.of(
                  "sh",
                  "-c",
                  "printf '%s|' \"$0\" \"$1\" \"$uid\" \"$envcount\" \"$setsid\" \"$state\""
                      + " \"$SECRET\"",
                  "argv-zero",
                  "argv-one"));
          s.setEnv(WRAPPER_NAMES);
        });
    ExecTaskStatus status = awaitPhase("names", Phase.Succeeded);
    assertEquals(
        "argv-zero|argv-one|not-the-task-uid|2|/bin/false|/|s3cr3t-value|", status.getStdout());
  }

  @Test
  void aTaskWithThoseNamesCarriesItsOwnMarkerAndDeleteKillsIt() {
    pod("p");
    task(
        "names",
        s -> {
          s.setCommand(List.of("sleep", "300"));
          s.setEnv(WRAPPER_NAMES);
        });
    String uid = awaitProcesses("names", 1);
    for (HostProcess process : HostProcess.carryingMarker(uid)) {
      assertTrue(process.environ().contains("UID=4242"), process.environ().toString());
      assertFalse(
          process.toString().contains("s3cr3t-value"), "a value in a command line: " + process);
    }
    assertTrue(
        HostProcess.all().stream().noneMatch(p -> p.toString().contains("s3cr3t-value")),
        "no process of the host shows the value in its command line");
    delete("names");
    await().atMost(SHORT).pollInterval(Duration.ofMillis(50)).until(() -> get("names") == null);
    assertNothingLeft(uid);
  }

  /**
   * A daemon that double-forks and setsids, then sheds its marker: Perl by rewriting its title
   * (which overwrites the memory /proc/PID/environ shows), Python by re-executing itself with an
   * empty environment. The shell that started it sleeps on, so the task runs until killed.
   */
  record Daemon(String name, String program, String command, String title) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Daemon> daemons() {
    return Stream.of(
        new Daemon(
            "perl, title rewritten",
            "perl",
            "perl -e 'use POSIX; fork and exit; POSIX::setsid(); fork and exit;"
                + " $0 = \"nginx: worker process\"; %ENV = (); close STDIN; close STDOUT;"
                + " close STDERR; sleep 300'; sleep 300",
            "nginx: worker"),
        new Daemon(
            "python, environment cleared",
            "python3",
            "python3 -c 'import os, sys\n"
                + "if os.fork(): sys.exit(0)\n"
                + "os.setsid()\n"
                + "if os.fork(): sys.exit(0)\n"
                + "os.closerange(0, 3)\n"
                + "os.execve(sys.executable, [sys.executable, \"-c\","
                + " \"import time; time.sleep(300)\"], {})\n'; sleep 300",
            "time.sleep(300)"));
  }

  static void assumeOnPath(String program) {
    assumeTrue(
        Stream.of(System.getenv("PATH").split(":"))
            .anyMatch(dir -> java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, program))),
        program + " is not on PATH");
  }

  /** The daemon's pid, once it has shed its marker: only the token can find it. */
  long awaitDaemon(String uid, Daemon daemon) {
    await("a daemon with no marker")
        .atMost(SHORT)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                HostProcess.carryingToken(uid).stream()
                    .anyMatch(
                        p ->
                            p.toString().contains(daemon.title())
                                && !p.environ().contains("EXECTASK_UID=" + uid)));
    return HostProcess.carryingToken(uid).stream()
        .filter(p -> p.toString().contains(daemon.title()))
        .findFirst()
        .orElseThrow()
        .pid();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("daemons")
  void aDaemonThatShedsItsMarkerIsKilledOnDelete(Daemon daemon) {
    assumeOnPath(daemon.program());
    pod("p");
    task(
        "daemon",
        s -> {
          s.setCommand(List.of("sh", "-c", daemon.command()));
          s.setTerminationGracePeriodSeconds(1L);
        });
    String uid = get("daemon").getMetadata().getUid();
    long pid = awaitDaemon(uid, daemon);
    delete("daemon");
    await().atMost(SHORT).pollInterval(Duration.ofMillis(50)).until(() -> get("daemon") == null);
    assertTrue(HostProcess.of(pid).isEmpty(), "the daemon survived the delete");
    assertNothingLeft(uid);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("daemons")
  void aDaemonThatShedsItsMarkerIsKilledOnTimeout(Daemon daemon) {
    assumeOnPath(daemon.program());
    pod("p");
    task(
        "daemon",
        s -> {
          s.setCommand(List.of("sh", "-c", daemon.command()));
          s.setTimeoutSeconds(3L);
          s.setTerminationGracePeriodSeconds(1L);
        });
    String uid = get("daemon").getMetadata().getUid();
    long pid = awaitDaemon(uid, daemon);
    ExecTaskStatus status = awaitPhase("daemon", Phase.TimedOut);
    assertEquals(3, status.getKilledProcesses(), "the shell, its sleep and the daemon");
    assertTrue(HostProcess.of(pid).isEmpty(), "the daemon survived the timeout");
    assertNothingLeft(uid);
  }

  @Test
  void aProcessOfAnotherUidInItsOwnSessionIsKilledOnTimeout() {
    pod("p");
    task(
        "other-uid",
        s -> {
          s.setCommand(
              List.of(
                  "sh",
                  "-c",
                  "setpriv --reuid=1234 --regid=1234 --clear-groups sh -c"
                      + " '(setsid sleep 300 </dev/null >/dev/null 2>&1 &)'; sleep 300"));
          s.setTimeoutSeconds(3L);
          s.setTerminationGracePeriodSeconds(1L);
        });
    String uid = get("other-uid").getMetadata().getUid();
    // The shell, its sleep, and the other uid's sleep in its own session.
    await().atMost(SHORT).until(() -> HostProcess.carryingToken(uid).size() == 3);
    ExecTaskStatus status = awaitPhase("other-uid", Phase.TimedOut);
    assertEquals(3, status.getKilledProcesses());
    assertNothingLeft(uid);
  }

  @Test
  void theSkipKillAnnotationReleasesADeletionThatWaitsOnAKill() {
    pod("p");
    task(
        "stuck",
        s -> {
          s.setCommand(List.of("sh", "-c", "trap '' TERM; sleep 300 & wait; wait"));
          s.setTerminationGracePeriodSeconds(120L);
        });
    String uid = awaitProcesses("stuck", 2);
    delete("stuck");
    // The kill waits out its grace period: the finalizer holds the task.
    await().during(Duration.ofSeconds(2)).atMost(SHORT).until(() -> get("stuck") != null);
    annotateTask("stuck", ExecTask.SKIP_KILL_ANNOTATION, "true");
    await().atMost(SHORT).pollInterval(Duration.ofMillis(50)).until(() -> get("stuck") == null);
    await()
        .atMost(SHORT)
        .until(
            () ->
                events("stuck").stream()
                    .anyMatch(
                        e ->
                            "KillSkipped".equals(e.getReason())
                                && e.getMessage().contains(ExecTask.SKIP_KILL_ANNOTATION)));
    // The killer already running still ends the tree once its grace period is over; not waited.
    HostProcess.carryingMarker(uid)
        .forEach(p -> ProcessHandle.of(p.pid()).ifPresent(ProcessHandle::destroyForcibly));
  }

  // ---- faults of the connection and of the node (sandbox knobs) -------------------------------

  static final String EXEC_FAULT = "sandbox.exectask.dev/exec-fault";
  static final String NODE = "sandbox.exectask.dev/node";

  /** The annotations with {@code key} set to {@code value}, or removed when it is null. */
  static Map<String, String> with(Map<String, String> annotations, String key, String value) {
    Map<String, String> changed = new java.util.HashMap<>();
    if (annotations != null) {
      changed.putAll(annotations);
    }
    if (value == null) {
      changed.remove(key);
    } else {
      changed.put(key, value);
    }
    return changed;
  }

  /** Sets (or, with null, removes) an annotation of pod p. */
  void annotatePod(String key, String value) {
    client
        .pods()
        .inNamespace(ns.name())
        .withName("p")
        .edit(
            pod -> {
              pod.getMetadata()
                  .setAnnotations(with(pod.getMetadata().getAnnotations(), key, value));
              return pod;
            });
  }

  void annotateTask(String name, String key, String value) {
    client
        .resources(ExecTask.class)
        .inNamespace(ns.name())
        .withName(name)
        .edit(
            t -> {
              t.getMetadata().setAnnotations(with(t.getMetadata().getAnnotations(), key, value));
              return t;
            });
  }

  /** Exec connections the sandbox holds open into pod p. */
  int openExecs() {
    String body =
        client.raw(
            SandboxTestResource.sandbox().url()
                + "/sandbox/v1/namespaces/"
                + ns.name()
                + "/pods/p/execs");
    return Integer.parseInt(body.replaceAll("[^0-9]", ""));
  }

  /** The wrapper's state dir in the container, which shares the host's /tmp. */
  static java.nio.file.Path stateDir(String uid) {
    return java.nio.file.Path.of("/tmp/.exectask", uid);
  }

  // ---- long runs: cut connections, progress -------------------------------------------------

  static final String DROP = dev.exectask.sandbox.node.EmulatedNode.DROP_EXEC_ANNOTATION;

  ExecTaskStatus awaitStatus(
      String name, Duration within, java.util.function.Predicate<ExecTaskStatus> until) {
    await()
        .atMost(within)
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              ExecTask t = get(name);
              return t != null && t.getStatus() != null && until.test(t.getStatus());
            });
    return get(name).getStatus();
  }

  static long bytes(Long n) {
    return n == null ? 0 : n;
  }

  /**
   * Each drop cuts every exec open into the pod: first the command's own, then whatever observer
   * happens to be open. The command runs on; the operator follows it from the container and ends up
   * with the exit code, the whole output and its exact totals.
   */
  @Test
  void aTaskWhoseConnectionIsDroppedThreeTimesSucceedsWithItsOutputAndExactTotals() {
    pod("p");
    task(
        "cut3",
        s ->
            s.setCommand(
                List.of(
                    "sh",
                    "-c",
                    "i=0; while [ $i -lt 25 ]; do echo out$i; echo err$i >&2; i=$((i+1));"
                        + " sleep 1; done")));
    String uid = awaitProcesses("cut3", 1);
    // Progress while attached: the first lines are in the status while it runs.
    awaitStatus("cut3", Duration.ofSeconds(10), s -> bytes(s.getStdoutBytes()) > 0);
    for (int drop = 1; drop <= 3; drop++) {
      long seen = bytes(get("cut3").getStatus().getStdoutBytes());
      annotatePod(DROP, "drop-" + drop);
      // Progress detached: the status moves on, read from the container's record.
      awaitStatus(
          "cut3",
          Duration.ofSeconds(15),
          s -> s.getPhase() == Phase.Running && bytes(s.getStdoutBytes()) > seen);
    }
    ExecTaskStatus status = awaitPhase("cut3", Phase.Succeeded, Duration.ofSeconds(60));
    StringBuilder out = new StringBuilder();
    StringBuilder err = new StringBuilder();
    for (int i = 0; i < 25; i++) {
      out.append("out").append(i).append('\n');
      err.append("err").append(i).append('\n');
    }
    assertEquals(0, status.getExitCode());
    assertEquals(out.toString(), status.getStdout());
    assertEquals(err.toString(), status.getStderr());
    // 10 lines of 5 bytes and 15 of 6.
    assertEquals(140L, status.getStdoutBytes());
    assertEquals(140L, status.getStderrBytes());
    assertTrue(
        status
            .getMessage()
            .matches(
                "The command exited with code 0\\. Its exec connection was"
                    + " lost after \\d+ bytes of output, and the output from there on was read from the"
                    + " container's record \\(totals and tails complete\\)\\."),
        status.getMessage());
    assertNothingLeft(uid);
  }

  @Test
  void aDroppedConnectionStillEndsTimedOutAtTheDeadlineWithNothingLeft() {
    pod("p");
    task(
        "cutlate",
        s -> {
          s.setCommand(List.of("sh", "-c", "echo begun; sleep 300 & sleep 300"));
          s.setTimeoutSeconds(6L);
          s.setTerminationGracePeriodSeconds(1L);
        });
    String uid = awaitProcesses("cutlate", 3);
    annotatePod(DROP, "once");
    ExecTaskStatus running =
        awaitStatus(
            "cutlate",
            Duration.ofSeconds(5),
            s -> s.getMessage() != null && s.getMessage().contains("connection was lost"));
    assertEquals(Phase.Running, running.getPhase(), "a cut connection is not an outcome");
    ExecTaskStatus status = awaitPhase("cutlate", Phase.TimedOut, SHORT);
    assertEquals(Reasons.DEADLINE_EXCEEDED, status.getReason());
    assertEquals("begun\n", status.getStdout());
    assertEquals(6L, status.getStdoutBytes());
    assertTrue(status.getKilledProcesses() >= 3, "sh and both sleeps: " + status);
    assertNothingLeft(uid);
  }

  @Test
  void aSlowCommandShowsItsProgressInStatusWithinSeconds() {
    pod("p");
    task("slow", s -> s.setCommand(List.of("sh", "-c", "while :; do echo tick; sleep 0.5; done")));
    String uid = awaitProcesses("slow", 1);
    ExecTaskStatus first =
        awaitStatus("slow", Duration.ofSeconds(8), s -> bytes(s.getStdoutBytes()) > 0);
    assertEquals(Phase.Running, first.getPhase());
    assertTrue(first.getStdout().startsWith("tick\n"), first.getStdout());
    ExecTaskStatus later =
        awaitStatus(
            "slow",
            Duration.ofSeconds(12),
            s -> bytes(s.getStdoutBytes()) > first.getStdoutBytes());
    assertEquals(Phase.Running, later.getPhase());
    assertEquals(later.getStdoutBytes(), (long) later.getStdout().length());
    delete("slow");
    await().atMost(SHORT).until(() -> get("slow") == null);
    assertNothingLeft(uid);
  }

  /**
   * The exec is cut mid-stream with the command still running: no exit status arrives. The task
   * stays Running, the operator observes the command's exit, kills what is left, then decides.
   */
  @Test
  void anExecCutMidStreamIsObservedAndKilledBeforeTheVerdict() {
    pod("p");
    annotatePod(EXEC_FAULT, "fail-mid-stream");
    task(
        "cut",
        s -> s.setCommand(List.of("sh", "-c", "sleep 300 >/dev/null 2>&1 & sleep 1; exit 3")));
    String uid = awaitProcesses("cut", 2);
    // The sandbox cuts the exec as the wrapper exits: no exit status reaches the operator.
    await().atMost(SHORT).until(() -> java.nio.file.Files.exists(stateDir(uid).resolve("exit")));
    // The observer and the killer need the connection back.
    annotatePod(EXEC_FAULT, null);
    ExecTaskStatus status = awaitPhase("cut", Phase.Failed);
    assertEquals(Reasons.NON_ZERO_EXIT_CODE, status.getReason());
    assertEquals(3, status.getExitCode());
    assertEquals(1, status.getKilledProcesses(), "the background sleep");
    assertNothingLeft(uid);
  }

  @Test
  void stdinCutShortFailsWithExecErrorAndTheCommandNeverRuns() {
    pod("p");
    annotatePod(EXEC_FAULT, "fail-mid-stream");
    java.nio.file.Path proof = java.nio.file.Path.of("/tmp", "exectask-ran-" + ns.name());
    task(
        "short",
        s -> {
          s.setCommand(List.of("sh", "-c", "cat >\"$0\"", proof.toString()));
          s.setStdin("x".repeat(64 * 1024));
        });
    String uid = get("short").getMetadata().getUid();
    await().atMost(SHORT).until(() -> java.nio.file.Files.exists(stateDir(uid).resolve("failed")));
    annotatePod(EXEC_FAULT, null);
    ExecTaskStatus status = awaitPhase("short", Phase.Failed);
    assertEquals(Reasons.EXEC_ERROR, status.getReason());
    assertTrue(status.getMessage().contains("stdin was cut short: got "), status.getMessage());
    assertNull(status.getExitCode());
    assertFalse(java.nio.file.Files.exists(proof), "the command ran on a prefix of its input");
    assertNothingLeft(uid);
  }

  /** The node is lost, the pod not deleted: the kill cannot reach it, and the task says so. */
  @Test
  void aDeletionThatCannotKillShowsStalledAndSkipKillReleasesIt() {
    pod("p");
    task("lost", s -> s.setCommand(List.of("sleep", "300")));
    String uid = awaitProcesses("lost", 1);
    annotatePod(NODE, "lost");
    delete("lost");
    await("Stalled with the reason and the attempt count")
        .atMost(SHORT)
        .until(
            () ->
                get("lost").getStatus().getConditions().stream()
                    .anyMatch(
                        c ->
                            "Stalled".equals(c.getType())
                                && "True".equals(c.getStatus())
                                && "KillFailed".equals(c.getReason())
                                && c.getMessage()
                                    .matches(
                                        "(?s).*attempt \\d+ failed \\(.*error dialing backend.*\\).*")));
    assertEquals(Phase.Running, get("lost").getStatus().getPhase());
    await().atMost(SHORT).until(() -> eventReasons("lost").contains("KillFailed"));
    annotateTask("lost", ExecTask.SKIP_KILL_ANNOTATION, "true");
    await().atMost(SHORT).pollInterval(Duration.ofMillis(50)).until(() -> get("lost") == null);
    await().atMost(SHORT).until(() -> eventReasons("lost").contains("KillSkipped"));
    assertFalse(HostProcess.carryingMarker(uid).isEmpty(), "released without a kill, as asked");
    annotatePod(NODE, null);
  }

  /** A pod Terminating on a lost node counts as gone: the deletion of its task does not hang. */
  /**
   * The task's processes, frozen so that SIGKILL does not land: what the killer meets in D state.
   */
  static List<HostProcess> freezeTree(HostFreezer freezer, String uid) {
    List<HostProcess> tree = HostProcess.carryingMarker(uid);
    freezer.freeze(tree);
    await().atMost(SHORT).until(freezer::frozen);
    return tree;
  }

  /** A running {@code sleep 300} with no grace period; returns the task UID. */
  String sleepWithoutGrace(String name) {
    pod("p");
    task(
        name,
        s -> {
          s.setCommand(List.of("sleep", "300"));
          s.setTerminationGracePeriodSeconds(0L);
        });
    return awaitProcesses(name, 1);
  }

  @Test
  void aDeletionWhoseProcessSurvivesSigkillShowsStalledUntilItCanDie() {
    String uid = sleepWithoutGrace("frozen");
    try (HostFreezer freezer = HostFreezer.create()) {
      List<HostProcess> tree = freezeTree(freezer, uid);
      delete("frozen");
      await("Stalled with the survivors and the attempt count")
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  get("frozen").getStatus().getConditions().stream()
                      .anyMatch(
                          c ->
                              "Stalled".equals(c.getType())
                                  && "True".equals(c.getStatus())
                                  && "KillFailed".equals(c.getReason())
                                  && c.getMessage()
                                      .matches(
                                          "(?s).*attempt \\d+ failed \\(.*survived SIGKILL.*")));
      assertEquals(Phase.Running, get("frozen").getStatus().getPhase());
      await().atMost(SHORT).until(() -> eventReasons("frozen").contains("KillFailed"));
      assertEquals(
          tree.stream().map(HostProcess::pid).toList(),
          HostProcess.carryingMarker(uid).stream().map(HostProcess::pid).toList(),
          "the frozen processes survive every attempt");

      freezer.thaw();
      await("the finalizer released once the processes can die")
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> get("frozen") == null);
      assertNothingLeft(uid);
      assertFalse(eventReasons("frozen").contains("KillSkipped"), "released by a kill");
    }
  }

  @Test
  void aDeletionWhoseProcessSurvivesSigkillIsReleasedBySkipKill() {
    String uid = sleepWithoutGrace("frozen");
    try (HostFreezer freezer = HostFreezer.create()) {
      freezeTree(freezer, uid);
      delete("frozen");
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> eventReasons("frozen").contains("KillFailed"));
      annotateTask("frozen", ExecTask.SKIP_KILL_ANNOTATION, "true");
      await().atMost(SHORT).pollInterval(Duration.ofMillis(50)).until(() -> get("frozen") == null);
      await().atMost(SHORT).until(() -> eventReasons("frozen").contains("KillSkipped"));
      assertFalse(HostProcess.carryingMarker(uid).isEmpty(), "released without a kill, as asked");
    }
    // Thawed, its pending SIGKILL lands.
    await().atMost(SHORT).until(() -> HostProcess.carryingMarker(uid).isEmpty());
  }

  @Test
  void atTheDeadlineAProcessThatSurvivesSigkillKeepsTheTaskFromACleanTimedOut() {
    pod("p");
    task(
        "frozen",
        s -> {
          s.setCommand(List.of("sleep", "300"));
          s.setTimeoutSeconds(3L);
          s.setTerminationGracePeriodSeconds(0L);
        });
    String uid = awaitProcesses("frozen", 1);
    try (HostFreezer freezer = HostFreezer.create()) {
      freezeTree(freezer, uid);
      await("the kill reported as failed, not the task as TimedOut")
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                ExecTaskStatus status = get("frozen").getStatus();
                assertEquals(Phase.Running, status.getPhase(), "no verdict while processes live");
                return status.getMessage() != null
                    && status
                        .getMessage()
                        .matches(
                            "Killing the process tree failed \\(attempt \\d+\\): .*survived SIGKILL.*");
              });
      assertFalse(HostProcess.carryingMarker(uid).isEmpty(), "the frozen process survives");
      assertNull(get("frozen").getStatus().getCompletionTime());
      assertEquals("True", condition(get("frozen").getStatus(), "Stalled"));
      await().atMost(SHORT).until(() -> eventReasons("frozen").contains("KillFailed"));
      freezer.thaw();
      ExecTaskStatus status = awaitPhase("frozen", Phase.TimedOut, Duration.ofSeconds(90));
      assertEquals(Reasons.DEADLINE_EXCEEDED, status.getReason());
      assertEquals("True", condition(status, "Stalled"), "TimedOut is a failure");
      assertEquals(
          Reasons.DEADLINE_EXCEEDED,
          status.getConditions().stream()
              .filter(c -> "Stalled".equals(c.getType()))
              .findFirst()
              .orElseThrow()
              .getReason(),
          "the kill's stall is over once the tree is gone");
      assertNothingLeft(uid);
    }
  }

  @Test
  void aDeletionWaitingOnALostNodeEndsWhenThePodIsDeleted() {
    pod("p");
    task("stuck", s -> s.setCommand(List.of("sleep", "300")));
    String uid = awaitProcesses("stuck", 1);
    annotatePod(NODE, "lost");
    delete("stuck");
    await().during(Duration.ofSeconds(2)).atMost(SHORT).until(() -> get("stuck") != null);
    client.pods().inNamespace(ns.name()).withName("p").delete();
    await().atMost(SHORT).pollInterval(Duration.ofMillis(50)).until(() -> get("stuck") == null);
    await()
        .atMost(SHORT)
        .until(
            () ->
                events("stuck").stream()
                    .anyMatch(
                        e ->
                            "Killed".equals(e.getReason())
                                && e.getMessage().contains("node that is unreachable")));
    annotatePod(NODE, null);
    await().atMost(SHORT).until(() -> HostProcess.carryingMarker(uid).isEmpty());
  }

  /** A killer exec that hangs (prints nothing) is closed, the attempt counted, and retried. */
  @Test
  void aHungKillerIsClosedAndRetried() {
    pod("p");
    task(
        "hung",
        s -> {
          s.setCommand(List.of("sleep", "300"));
          s.setTerminationGracePeriodSeconds(0L);
        });
    String uid = awaitProcesses("hung", 1);
    assertEquals(1, openExecs(), "the command's own exec");
    annotatePod(EXEC_FAULT, "hang");
    delete("hung");
    await("the hung killer closed and the attempt reported")
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                get("hung").getStatus().getConditions().stream()
                    .anyMatch(
                        c ->
                            "KillFailed".equals(c.getReason())
                                && c.getMessage().contains("printed nothing for 30s")));
    assertEquals(Phase.Running, get("hung").getStatus().getPhase());
    annotatePod(EXEC_FAULT, null);
    await().atMost(Duration.ofSeconds(60)).until(() -> get("hung") == null);
    assertNothingLeft(uid);
    await("no exec left open").atMost(SHORT).until(() -> openExecs() == 0);
  }

  @Test
  void deletingAPendingTaskIsImmediate() {
    task("waiting", s -> s.setCommand(List.of("true")));
    awaitPhase("waiting", Phase.Pending);
    client.resources(ExecTask.class).inNamespace(ns.name()).withName("waiting").delete();
    await().atMost(SHORT).until(() -> get("waiting") == null);
  }

  // ---- pods and containers --------------------------------------------------------------------

  @Test
  void podDeletedWhileRunningFailsWithPodDeleted() {
    pod("p");
    task("orphaned", s -> s.setCommand(List.of("sleep", "300")));
    String uid = awaitProcesses("orphaned", 1);
    client.pods().inNamespace(ns.name()).withName("p").delete();
    ExecTaskStatus status = awaitPhase("orphaned", Phase.Failed);
    assertEquals(Reasons.POD_DELETED, status.getReason());
    assertNothingLeft(uid);
  }

  @Test
  void aContainerRestartWhileRunningFailsWithContainerRestarted() {
    PodBuilder builder =
        new PodBuilder()
            .withNewMetadata()
            .withName("p")
            .withNamespace(ns.name())
            .endMetadata()
            .withNewSpec()
            .addNewContainer()
            .withName("main")
            .withImage("busybox")
            .withCommand("sh", "-c", "sleep 3")
            .endContainer()
            .endSpec();
    client.pods().inNamespace(ns.name()).resource(builder.build()).create();
    task("restarted", s -> s.setCommand(List.of("sleep", "300")));
    String uid = awaitProcesses("restarted", 1);
    ExecTaskStatus status = awaitPhase("restarted", Phase.Failed);
    assertEquals(Reasons.CONTAINER_RESTARTED, status.getReason());
    assertNull(status.getExitCode());
    assertNothingLeft(uid);
  }

  @Test
  void aPodCreatedWithinTheStartTimeoutIsUsed() {
    task(
        "early",
        s -> {
          s.setCommand(List.of("echo", "late pod"));
          s.setStartTimeoutSeconds(60L);
        });
    ExecTaskStatus pending = awaitPhase("early", Phase.Pending);
    assertEquals(Reasons.POD_NOT_FOUND, pending.getReason());
    assertEquals("True", condition(pending, "Reconciling"));
    pod("p");
    assertEquals("late pod\n", awaitPhase("early", Phase.Succeeded).getStdout());
  }

  @Test
  void aPodNeverCreatedFailsAfterTheStartTimeout() {
    task(
        "never",
        s -> {
          s.setCommand(List.of("true"));
          s.setStartTimeoutSeconds(2L);
        });
    ExecTaskStatus status = awaitPhase("never", Phase.Failed);
    assertEquals(Reasons.POD_NOT_FOUND, status.getReason());
    assertNull(status.getStartTime());
  }

  @Test
  void anUnknownContainerFailsWithContainerNotFound() {
    pod("p");
    task(
        "nocontainer",
        s -> {
          s.setCommand(List.of("true"));
          s.setContainer("sidecar");
        });
    assertEquals(Reasons.CONTAINER_NOT_FOUND, awaitPhase("nocontainer", Phase.Failed).getReason());
  }

  @Test
  void aContainerWithoutShellFailsWithShellNotFound() {
    pod("p", Map.of("sandbox.exectask.dev/shell", "none"), Map.of());
    task("distroless", s -> s.setCommand(List.of("true")));
    assertEquals(Reasons.SHELL_NOT_FOUND, awaitPhase("distroless", Phase.Failed).getReason());
  }

  @Test
  void anInvalidSpecFailsWithInvalidSpecAndTheOperatorCarriesOn() {
    pod("p");
    // The sandbox enforces the CRD's rules as a cluster does; an older CRD, without them, lets
    // such a spec through, and the operator must still refuse it.
    var crds = client.apiextensions().v1().customResourceDefinitions().withName(CRD_NAME);
    var rules = specSchema(crds.get()).getXKubernetesValidations();
    crds.edit(
        crd -> {
          specSchema(crd).setXKubernetesValidations(null);
          return crd;
        });
    try {
      task(
          "invalid",
          s -> {
            s.setCommand(List.of("true"));
            s.setPodSelector(new LabelSelectorBuilder().addToMatchLabels("app", "x").build());
          });
    } finally {
      crds.edit(
          crd -> {
            specSchema(crd).setXKubernetesValidations(rules);
            return crd;
          });
    }
    assertEquals(Reasons.INVALID_SPEC, awaitPhase("invalid", Phase.Failed).getReason());
    task("after", s -> s.setCommand(List.of("true")));
    awaitPhase("after", Phase.Succeeded);
  }

  private static final String CRD_NAME = "exectasks.exectask.dev";

  private static io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps specSchema(
      io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition crd) {
    return crd.getSpec()
        .getVersions()
        .get(0)
        .getSchema()
        .getOpenAPIV3Schema()
        .getProperties()
        .get("spec");
  }

  @Test
  void aSelectorPicksARunningPodAndTheDefaultContainerAnnotation() {
    pod(
        "p",
        Map.of("kubectl.kubernetes.io/default-container", "second"),
        Map.of("app", "web"),
        "first",
        "second");
    task(
        "selected",
        s -> {
          s.setPodName(null);
          s.setPodSelector(new LabelSelectorBuilder().addToMatchLabels("app", "web").build());
          s.setCommand(List.of("true"));
        });
    ExecTaskStatus status = awaitPhase("selected", Phase.Succeeded);
    assertEquals("p", status.getPodName());
    assertEquals("second", status.getContainer());
  }

  @Test
  void ttlDeletesAFinishedTask() {
    pod("p");
    task(
        "ephemeral",
        s -> {
          s.setCommand(List.of("true"));
          s.setTtlSecondsAfterFinished(1);
        });
    awaitPhase("ephemeral", Phase.Succeeded);
    await().atMost(SHORT).until(() -> get("ephemeral") == null);
  }
}
