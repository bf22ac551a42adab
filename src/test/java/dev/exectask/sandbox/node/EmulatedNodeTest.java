package dev.exectask.sandbox.node;

import static dev.exectask.sandbox.node.NodeHarness.CONTAINER;
import static dev.exectask.sandbox.node.NodeHarness.TIMEOUT;
import static dev.exectask.sandbox.node.NodeHarness.pod;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmulatedNodeTest {
  private static final String RUNC_PREFIX =
      "failed to exec in container: failed to start exec \"[0-9a-f]{64}\": OCI runtime exec failed:"
          + " exec failed: unable to start container process: ";

  private NodeHarness api;

  @BeforeAll
  void startNode(@TempDir Path workDir) {
    api = new NodeHarness(workDir);
    api.node.start();
  }

  @AfterAll
  void stopNode() {
    api.close();
  }

  @Test
  void podsBoundToAnotherNodeAreNotRunHereAndPodsBoundToThisOneAre() {
    api.create(pod("bound", "elsewhere").editSpec().withNodeName("node-2").endSpec().build());
    api.create(
        pod("bound", "here").editSpec().withNodeName(EmulatedNode.NODE_NAME).endSpec().build());

    api.awaitReady("bound", "here");
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(3))
        .until(
            () ->
                api.phase("bound", "elsewhere") == null
                    && api.node.hostPids("bound", "elsewhere", CONTAINER).isEmpty());
  }

  @Test
  void createdPodBecomesRunningAndReadyWithContainerStatuses() {
    api.create(pod("status", "web").build());

    PodStatus status = api.awaitReady("status", "web").getStatus();

    assertEquals("Running", status.getPhase());
    assertEquals("127.0.0.1", status.getPodIP());
    assertEquals("127.0.0.1", status.getHostIP());
    assertTrue(status.getStartTime() != null);
    Map<String, String> conditions =
        status.getConditions().stream()
            .collect(Collectors.toMap(PodCondition::getType, PodCondition::getStatus));
    for (String type : List.of("PodScheduled", "Initialized", "ContainersReady", "Ready")) {
      assertEquals("True", conditions.get(type), type);
    }
    ContainerStatus container = status.getContainerStatuses().get(0);
    assertEquals(CONTAINER, container.getName());
    assertEquals("busybox:1.36", container.getImage());
    assertTrue(container.getImageID().startsWith("busybox@sha256:"), container.getImageID());
    assertTrue(
        container.getContainerID().matches("sandbox://[0-9a-f]{64}"), container.getContainerID());
    assertEquals(0, container.getRestartCount());
    assertTrue(container.getStarted());
    assertTrue(container.getReady());
    assertTrue(container.getState().getRunning().getStartedAt() != null);
  }

  @Test
  void containerIsItsOwnPidNamespace() {
    api.create(pod("pidns", "box").build());
    api.awaitReady("pidns", "box");

    String[] lines =
        api.run(
                "pidns",
                "box",
                List.of("sh", "-c", "echo $$; tr '\\0' ' ' < /proc/1/cmdline; echo; ls /proc"))
            .stdout()
            .split("\n");

    long shellPid = Long.parseLong(lines[0]);
    assertTrue(lines[1].startsWith("/bin/sh -c trap"), "PID 1 inside is the init: " + lines[1]);
    Set<Long> visible =
        Arrays.stream(lines)
            .skip(2)
            .filter(s -> s.matches("\\d+"))
            .map(Long::valueOf)
            .collect(Collectors.toSet());
    assertTrue(visible.contains(1L) && visible.contains(shellPid), "/proc inside: " + visible);
    assertTrue(visible.size() < 10, "only the container's processes are in its /proc: " + visible);
    long init = api.initPid("pidns", "box");
    assertNotEquals(1, init, "the host sees PID 1 under another pid");
    assertTrue(LinuxProcesses.commandLine(init).get(0).equals("/bin/sh"));
  }

  @Test
  void containerGetsItsEnvironmentCommandAndWorkingDir() {
    api.create(
        pod("env", "app")
            .editSpec()
            .editFirstContainer()
            .withCommand("sleep")
            .withArgs("$(SECONDS_TO_SLEEP)")
            .addNewEnv()
            .withName("SECONDS_TO_SLEEP")
            .withValue("300")
            .endEnv()
            .addNewEnv()
            .withName("GREETING")
            .withValue("hello world")
            .endEnv()
            .addNewEnv()
            .withName("QUOTED")
            .withValue("$(GREETING), $$(GREETING)")
            .endEnv()
            .addNewEnv()
            .withName("POD")
            .withNewValueFrom()
            .withNewFieldRef()
            .withFieldPath("metadata.name")
            .endFieldRef()
            .endValueFrom()
            .endEnv()
            .withWorkingDir("/tmp")
            .endContainer()
            .endSpec()
            .build());
    api.awaitReady("env", "app");

    String out =
        api.run(
                "env",
                "app",
                List.of(
                    "sh",
                    "-c",
                    "pwd; echo \"$QUOTED|$POD|$HOME|$PATH\"; tr '\\0' ' ' < /proc/1/cmdline"))
            .stdout();

    assertEquals(
        "/tmp\nhello world, $(GREETING)|app|/root|"
            + ContainerEnvironment.DEFAULT_PATH
            + "\nsleep 300 ",
        out);
  }

  @Test
  void containerWaitsForAMissingConfigMapThenStarts() {
    api.client
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withNamespace("config")
                .withName("creds")
                .endMetadata()
                .addToData("TOKEN", Base64.getEncoder().encodeToString("s3cret".getBytes(UTF_8)))
                .build())
        .create();
    api.create(
        pod("config", "app")
            .editSpec()
            .editFirstContainer()
            .addNewEnvFrom()
            .withNewSecretRef()
            .withName("creds")
            .endSecretRef()
            .endEnvFrom()
            .addNewEnv()
            .withName("MODE")
            .withNewValueFrom()
            .withNewConfigMapKeyRef()
            .withName("settings")
            .withKey("mode")
            .endConfigMapKeyRef()
            .endValueFrom()
            .endEnv()
            .endContainer()
            .endSpec()
            .build());

    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              PodStatus status = api.get("config", "app").getStatus();
              return status != null
                  && !status.getContainerStatuses().isEmpty()
                  && status.getContainerStatuses().get(0).getState().getWaiting() != null
                  && "CreateContainerConfigError"
                      .equals(
                          status.getContainerStatuses().get(0).getState().getWaiting().getReason());
            });
    assertEquals(
        "configmap \"settings\" not found",
        api.containerStatus("config", "app").getState().getWaiting().getMessage());
    api.client
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withNamespace("config")
                .withName("settings")
                .endMetadata()
                .addToData("mode", "fast")
                .build())
        .create();

    api.awaitReady("config", "app");
    assertEquals(
        "fast s3cret\n",
        api.run("config", "app", List.of("sh", "-c", "echo \"$MODE $TOKEN\"")).stdout());
  }

  @Test
  void execSeparatesStdoutFromStderrAndReportsTheExitStatus() {
    api.create(pod("streams", "box").build());
    api.awaitReady("streams", "box");

    NodeHarness.Result failed =
        api.run("streams", "box", List.of("sh", "-c", "echo out; echo err >&2; exit 3"));
    assertEquals(3, failed.exitCode());
    assertEquals("out\n", failed.stdout());
    assertEquals("err\n", failed.stderr());
    assertEquals(0, api.run("streams", "box", List.of("true")).exitCode());
    assertEquals(137, api.run("streams", "box", List.of("sh", "-c", "kill -KILL $$")).exitCode());
  }

  @Test
  void execPassesArgvVerbatim() {
    api.create(pod("argv", "box").build());
    api.awaitReady("argv", "box");
    List<String> args =
        List.of(
            "two words",
            "'single'",
            "\"double\"",
            "$(echo injected)",
            "`echo tick`",
            "line one\nline two",
            "ünïcødé ✓ 😀",
            "",
            "*",
            "$HOME",
            "a\\b");

    List<String> command = new java.util.ArrayList<>(List.of("printf", "%s\\0"));
    command.addAll(args);
    String out = api.run("argv", "box", command).stdout();

    assertEquals(args, Arrays.asList(out.split("\0", -1)).subList(0, args.size()));
    assertTrue(out.endsWith("\0"));
  }

  @Test
  void execReadsStdin() {
    api.create(pod("stdin", "box").build());
    api.awaitReady("stdin", "box");
    byte[] input = new byte[300_000];
    new Random(7).nextBytes(input);

    NodeHarness.Result result = api.run("stdin", "box", List.of("cat"), input);

    assertEquals(0, result.exitCode());
    assertArrayEquals(input, result.stdoutBytes());
  }

  @Test
  void closingTheStreamsLeavesTheCommandRunning() throws Exception {
    api.create(pod("detach", "box").build());
    api.awaitReady("detach", "box");

    Process sleeper =
        api.node.exec("detach", "box", CONTAINER, List.of("sh", "-c", "sleep 300; echo finished"));
    Process ticker =
        api.node.exec(
            "detach",
            "box",
            CONTAINER,
            List.of("sh", "-c", "while :; do echo tick; sleep 0.05; done"));
    for (Process process : List.of(sleeper, ticker)) {
      process.getOutputStream().close();
      process.getInputStream().close();
      process.getErrorStream().close();
    }
    sleeper = null;
    ticker = null;
    System.gc();

    // A closed pipe would kill the ticker with SIGPIPE at its next echo.
    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                api.commandLines("detach", "box")
                    .containsAll(
                        Set.of(
                            "sh -c sleep 300; echo finished",
                            "sleep 300",
                            "sh -c while :; do echo tick; sleep 0.05; done")));
  }

  @Test
  void deletingThePodKillsEveryProcessOfItsContainers() throws Exception {
    api.create(pod("delete", "victim").build());
    api.awaitReady("delete", "victim");
    Process attached =
        api.node.exec(
            "delete", "victim", CONTAINER, List.of("sh", "-c", "sleep 300 & sleep 301 & wait"));
    api.run("delete", "victim", List.of("sh", "-c", "sleep 302 >/dev/null 2>&1 &"));
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                api.commandLines("delete", "victim")
                    .containsAll(Set.of("sleep 300", "sleep 301", "sleep 302")));
    Set<Long> processes = new HashSet<>(api.node.hostPids("delete", "victim", CONTAINER));
    processes.add(LinuxProcesses.parentOf(api.initPid("delete", "victim")));
    processes.add(attached.pid());

    api.client.pods().inNamespace("delete").withName("victim").delete();

    await().atMost(TIMEOUT).until(() -> processes.stream().noneMatch(NodeHarness::exists));
    assertEquals(137, attached.waitFor(), "the exec'd shell died of SIGKILL");
    assertEquals(Set.of(), api.node.hostPids("delete", "victim", CONTAINER));
  }

  @Test
  void defaultInitReapsAKilledOrphan() {
    long orphan = killedOrphan("reap", Map.of());

    await()
        .atMost(TIMEOUT)
        .until(
            () -> api.run("reap", "box", List.of("test", "-e", "/proc/" + orphan)).exitCode() == 1);
  }

  @Test
  void noReapInitLeavesAKilledOrphanAZombie() {
    long orphan =
        killedOrphan("zombie", Map.of(EmulatedNode.INIT_ANNOTATION, EmulatedNode.NO_REAP));

    await()
        .atMost(TIMEOUT)
        .during(Duration.ofSeconds(1))
        .until(
            () ->
                api.run("zombie", "box", List.of("cat", "/proc/" + orphan + "/stat"))
                    .stdout()
                    .matches("\\d+ \\(sleep\\) Z 1 .*\n"));
    assertEquals(
        List.of("sleep", "infinity"),
        LinuxProcesses.commandLine(api.initPid("zombie", "box")).subList(0, 2).stream()
            .map(s -> s.substring(s.lastIndexOf('/') + 1))
            .toList());
  }

  /**
   * Starts a sleep whose shell exits, so PID 1 inherits it, kills it, and returns its pid inside.
   */
  private long killedOrphan(String namespace, Map<String, String> annotations) {
    api.create(
        pod(namespace, "box").editMetadata().withAnnotations(annotations).endMetadata().build());
    api.awaitReady(namespace, "box");
    long orphan =
        Long.parseLong(
            api.run(namespace, "box", List.of("sh", "-c", "sleep 300 >/dev/null 2>&1 & echo $!"))
                .stdout()
                .trim());
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                api.run(namespace, "box", List.of("cat", "/proc/" + orphan + "/stat"))
                    .stdout()
                    .matches("\\d+ \\(sleep\\) S 1 .*\n"));
    assertEquals(
        0, api.run(namespace, "box", List.of("kill", "-KILL", Long.toString(orphan))).exitCode());
    return orphan;
  }

  @Test
  void shellNoneContainerHasNoShellButRunsOtherBinaries() {
    api.create(
        pod("distroless", "app")
            .editMetadata()
            .addToAnnotations(EmulatedNode.SHELL_ANNOTATION, EmulatedNode.NO_SHELL)
            .endMetadata()
            .build());
    api.awaitReady("distroless", "app");

    for (String shell : List.of("sh", "bash", "dash", "busybox")) {
      assertExecRefused(
          "distroless",
          "app",
          List.of(shell, "-c", "true"),
          "exec: \"" + shell + "\": executable file not found in $PATH");
    }
    assertExecRefused(
        "distroless",
        "app",
        List.of("/bin/sh"),
        "exec: \"/bin/sh\": stat /bin/sh: no such file or directory");

    assertEquals(0, api.run("distroless", "app", List.of("ls", "/")).exitCode());
    NodeHarness.Result viaEnv = api.run("distroless", "app", List.of("env", "sh", "-c", "true"));
    assertEquals(
        127,
        viaEnv.exitCode(),
        "the shell is gone inside the container, not only refused: " + viaEnv.stderr());
    assertTrue(Files.exists(Path.of("/bin/sh")), "the host keeps its shell");
  }

  @Test
  void execOfAMissingBinaryFailsAsRuncReportsIt() {
    api.create(pod("missing", "box").build());
    api.awaitReady("missing", "box");

    assertExecRefused(
        "missing",
        "box",
        List.of("no-such-command", "x"),
        "exec: \"no-such-command\": executable file not found in $PATH");
    assertExecRefused(
        "missing",
        "box",
        List.of("/no/such/file"),
        "exec: \"/no/such/file\": stat /no/such/file: no such file or directory");
  }

  private void assertExecRefused(
      String namespace, String pod, List<String> argv, String runcError) {
    ExecStartException refused =
        assertThrows(
            ExecStartException.class, () -> api.node.exec(namespace, pod, CONTAINER, argv));
    assertTrue(
        refused.getMessage().matches(RUNC_PREFIX + Pattern.quote(runcError) + ": unknown"),
        refused.getMessage());
  }

  @Test
  void execIntoAMissingPodOrContainerFails() {
    api.create(pod("absent", "box").build());
    api.awaitReady("absent", "box");

    assertEquals(
        "pod absent/nobody not found",
        assertThrows(
                ExecStartException.class,
                () -> api.node.exec("absent", "nobody", CONTAINER, List.of("true")))
            .getMessage());
    assertEquals(
        "container sidecar is not valid for pod box",
        assertThrows(
                ExecStartException.class,
                () -> api.node.exec("absent", "box", "sidecar", List.of("true")))
            .getMessage());
  }

  @Test
  void exitedInitIsRestartedWithANewContainerId() {
    api.create(pod("restart", "box").build());
    String first =
        api.awaitReady("restart", "box").getStatus().getContainerStatuses().get(0).getContainerID();

    // The default init stops on TERM with status 0; restartPolicy Always starts it again.
    api.run("restart", "box", List.of("kill", "-TERM", "1"));

    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                api.containerStatus("restart", "box").getRestartCount() == 1
                    && api.containerStatus("restart", "box").getReady());
    ContainerStatus restarted = api.containerStatus("restart", "box");
    assertNotEquals(first, restarted.getContainerID());
    assertTrue(restarted.getContainerID().matches("sandbox://[0-9a-f]{64}"));
    assertEquals(first, restarted.getLastState().getTerminated().getContainerID());
    assertEquals(0, restarted.getLastState().getTerminated().getExitCode());
    assertEquals("Completed", restarted.getLastState().getTerminated().getReason());
    assertEquals("Running", api.get("restart", "box").getStatus().getPhase());
    assertEquals("ok\n", api.run("restart", "box", List.of("echo", "ok")).stdout());
  }

  @ParameterizedTest
  @CsvSource({
    "never-fails, Never, exit 3, Failed, 3, Error",
    "onfailure-succeeds, OnFailure, exit 0, Succeeded, 0, Completed",
  })
  void containerThatIsNotRestartedEndsThePod(
      String namespace, String policy, String script, String phase, int exitCode, String reason) {
    api.create(
        pod(namespace, "job")
            .editSpec()
            .withRestartPolicy(policy)
            .editFirstContainer()
            .withCommand("sh", "-c", script)
            .endContainer()
            .endSpec()
            .build());

    await().atMost(TIMEOUT).until(() -> phase.equals(api.phase(namespace, "job")));
    Pod pod = api.get(namespace, "job");
    ContainerStatus container = pod.getStatus().getContainerStatuses().get(0);
    assertEquals(exitCode, container.getState().getTerminated().getExitCode());
    assertEquals(reason, container.getState().getTerminated().getReason());
    assertEquals(0, container.getRestartCount());
    PodCondition ready =
        pod.getStatus().getConditions().stream()
            .filter(c -> c.getType().equals("Ready"))
            .findFirst()
            .orElseThrow();
    assertEquals("False", ready.getStatus());
    assertEquals("PodCompleted", ready.getReason());
  }

  @Test
  void missingCommandIsAStartError() {
    api.create(
        pod("starterror", "job")
            .editSpec()
            .withRestartPolicy("Never")
            .editFirstContainer()
            .withCommand("no-such-binary")
            .endContainer()
            .endSpec()
            .build());

    await().atMost(TIMEOUT).until(() -> "Failed".equals(api.phase("starterror", "job")));
    var terminated = api.containerStatus("starterror", "job").getState().getTerminated();
    assertEquals(128, terminated.getExitCode());
    assertEquals("StartError", terminated.getReason());
    assertTrue(
        terminated
            .getMessage()
            .contains("exec: \"no-such-binary\": executable file not found in $PATH"),
        terminated.getMessage());
  }

  @Test
  void statusReplacedByAnotherWriterIsWrittenAgain() {
    api.create(pod("rewrite", "box").build());
    api.awaitReady("rewrite", "box");

    Pod stale = api.get("rewrite", "box");
    stale.getStatus().setPhase("Pending");
    stale.getStatus().setContainerStatuses(List.of());
    api.client.resource(stale).update();

    api.awaitReady("rewrite", "box");
  }
}
