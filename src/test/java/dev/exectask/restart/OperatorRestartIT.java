package dev.exectask.restart;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.api.v1alpha1.ExecTaskStatus;
import dev.exectask.api.v1alpha1.Phase;
import dev.exectask.api.v1alpha1.Reasons;
import dev.exectask.sandbox.Sandbox;
import dev.exectask.testing.HostProcess;
import dev.exectask.testing.TestPods;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The operator is killed (SIGKILL) while tasks run and started again, against a sandbox that keeps
 * running: deadlines still hold, exit codes of commands that ended meanwhile are recorded, and no
 * command runs twice. Runs the packaged jar, so it is an integration test (after {@code package}).
 */
class OperatorRestartIT {

  static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
  static final String NS = "restart";

  Sandbox sandbox;
  KubernetesClient client;
  Process operator;
  Path workDir;

  @BeforeEach
  void startSandbox() throws IOException {
    assumeTrue(Files.exists(JAR), "the operator jar is built by `package`; run this with verify");
    workDir = Files.createTempDirectory("exectask-restart-");
    sandbox = Sandbox.start(workDir.resolve("sandbox"));
    client = sandbox.client();
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(NS).endMetadata().build())
        .create();
    client.pods().inNamespace(NS).resource(TestPods.pod("p")).create();
  }

  @AfterEach
  void stopAll() throws Exception {
    if (operator != null && operator.isAlive()) {
      operator.destroy();
      operator.waitFor();
    }
    if (sandbox != null) {
      sandbox.close();
    }
  }

  Process startOperator(String logName) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Dexectask.leader-election.enabled=false",
            "-Dquarkus.http.port=0",
            "-jar",
            JAR.toAbsolutePath().toString());
    pb.environment().put("KUBECONFIG", sandbox.kubeconfig().toAbsolutePath().toString());
    pb.redirectErrorStream(true);
    pb.redirectOutput(workDir.resolve(logName).toFile());
    return pb.start();
  }

  ExecTask create(String name, Consumer<ExecTaskSpec> spec) {
    ExecTask task = new ExecTask();
    task.getMetadata().setName(name);
    task.getMetadata().setNamespace(NS);
    ExecTaskSpec s = new ExecTaskSpec();
    s.setPodName("p");
    s.setTerminationGracePeriodSeconds(0L);
    spec.accept(s);
    task.setSpec(s);
    return client.resources(ExecTask.class).inNamespace(NS).resource(task).create();
  }

  ExecTaskStatus status(String name) {
    ExecTask t = client.resources(ExecTask.class).inNamespace(NS).withName(name).get();
    return t == null ? null : t.getStatus();
  }

  ExecTaskStatus awaitPhase(String name, Phase phase) {
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              ExecTaskStatus s = status(name);
              return s != null && s.getPhase() == phase;
            });
    return status(name);
  }

  @Test
  void deadlinesExitCodesAndRunOnceSurviveAnOperatorRestart() throws Exception {
    Path runs = workDir.resolve("runs-" + UUID.randomUUID());
    operator = startOperator("operator-1.log");
    String deadlineUid =
        create(
                "deadline",
                s -> {
                  s.setCommand(List.of("sleep", "300"));
                  s.setTimeoutSeconds(12L);
                })
            .getMetadata()
            .getUid();
    String exitsUid =
        create("exits", s -> s.setCommand(List.of("sh", "-c", "sleep 4; exit 7")))
            .getMetadata()
            .getUid();
    String onceUid =
        create(
                "once",
                s ->
                    s.setCommand(
                        List.of("sh", "-c", "echo ran >> \"$1\"; sleep 4", "sh", runs.toString())))
            .getMetadata()
            .getUid();
    for (String name : List.of("deadline", "exits", "once")) {
      awaitPhase(name, Phase.Running);
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                !HostProcess.carryingMarker(exitsUid).isEmpty()
                    && !HostProcess.carryingMarker(onceUid).isEmpty());

    operator.destroyForcibly().waitFor();
    // While no operator runs, two commands end by themselves; the third runs on.
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                HostProcess.carryingMarker(exitsUid).isEmpty()
                    && HostProcess.carryingMarker(onceUid).isEmpty());
    assertFalse(HostProcess.carryingMarker(deadlineUid).isEmpty());

    operator = startOperator("operator-2.log");
    ExecTaskStatus exits = awaitPhase("exits", Phase.Failed);
    assertEquals(Reasons.NON_ZERO_EXIT_CODE, exits.getReason());
    assertEquals(7, exits.getExitCode());

    ExecTaskStatus once = awaitPhase("once", Phase.Succeeded);
    assertEquals(0, once.getExitCode());
    assertEquals(List.of("ran"), Files.readAllLines(runs), "the command ran more than once");

    ExecTaskStatus deadline = awaitPhase("deadline", Phase.TimedOut);
    Instant started = Instant.parse(deadline.getStartTime());
    Instant completed = Instant.parse(deadline.getCompletionTime());
    assertTrue(
        !completed.isBefore(started.plusSeconds(12)),
        "timed out at " + completed + ", before startTime + timeoutSeconds");
    assertEquals(Reasons.DEADLINE_EXCEEDED, deadline.getReason());
    assertEquals(List.of(), HostProcess.carryingMarker(deadlineUid));
  }

  /** Output written before, while and after no operator runs ends up in the status, exactly. */
  @Test
  void outputFromBeforeAndAfterARestartIsInTheStatus() throws Exception {
    operator = startOperator("operator-output-1.log");
    String uid =
        create(
                "output",
                s ->
                    s.setCommand(
                        List.of("sh", "-c", "echo before; sleep 10; echo after; echo late >&2")))
            .getMetadata()
            .getUid();
    // Progress while the first operator is attached: the first line is in the status.
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              ExecTaskStatus s = status("output");
              return s != null && Long.valueOf(7).equals(s.getStdoutBytes());
            });
    assertEquals("before\n", status("output").getStdout());

    operator.destroyForcibly().waitFor();
    await().atMost(Duration.ofSeconds(30)).until(() -> HostProcess.carryingMarker(uid).isEmpty());

    operator = startOperator("operator-output-2.log");
    ExecTaskStatus done = awaitPhase("output", Phase.Succeeded);
    assertEquals(0, done.getExitCode());
    assertEquals("before\nafter\n", done.getStdout());
    assertEquals(13L, done.getStdoutBytes());
    assertEquals("late\n", done.getStderr());
    assertEquals(5L, done.getStderrBytes());
    assertTrue(done.getMessage().contains("read from the container's record"), done.getMessage());
  }
}
