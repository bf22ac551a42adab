package dev.exectask.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The lost-node knob driven by kubectl, as its documentation tells a user to drive it. */
class FaultKnobsKubectlTest {

  private static final String POD =
      """
      apiVersion: v1
      kind: Pod
      metadata:
        name: far
      spec:
        containers:
        - name: main
          image: busybox
      """;

  private static Sandbox sandbox;
  private static Path work;

  record Run(int exitCode, String stdout, String stderr) {}

  @BeforeAll
  static void start() throws IOException {
    assumeTrue(onPath("kubectl"), "kubectl is not on the PATH: the kubectl tests are skipped");
    work = Files.createTempDirectory("sandbox-faults-kubectl");
    sandbox = Sandbox.start(work.resolve("sandbox"));
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  void aLostNodeAsKubectlShowsItThenAForcedDelete() throws Exception {
    assertOk(kubectl(POD, "create", "-f", "-"));
    assertOk(kubectl(null, "wait", "--for=condition=Ready", "pod/far", "--timeout=30s"));
    Set<Long> processes = sandbox.hostPids("default", "far", "main");
    assertThat(processes).isNotEmpty();

    assertOk(kubectl(null, "annotate", "pod", "far", "sandbox.exectask.dev/node=lost"));

    long start = System.nanoTime();
    Run exec = kubectl(null, "exec", "far", "--", "true");
    System.out.printf(
        "kubectl exec into a pod on a lost node failed after %d ms%n",
        (System.nanoTime() - start) / 1_000_000);
    assertThat(exec.exitCode()).isNotZero();
    assertThat(exec.stderr())
        .contains("error dialing backend: dial tcp 10.0.0.1:10250: i/o timeout");
    assertOk(kubectl(null, "wait", "--for=condition=Ready=false", "pod/far", "--timeout=30s"));

    assertOk(kubectl(null, "delete", "pod", "far", "--wait=false"));
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> kubectl(null, "get", "pod", "far").stdout().contains("Terminating"));
    assertThat(processes).allMatch(pid -> ProcessHandle.of(pid).isPresent());

    assertOk(kubectl(null, "delete", "pod", "far", "--grace-period=0", "--force"));

    assertThat(kubectl(null, "get", "pod", "far").stderr()).contains("pods \"far\" not found");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> processes.stream().noneMatch(pid -> ProcessHandle.of(pid).isPresent()));
  }

  private static void assertOk(Run run) {
    assertThat(run.exitCode()).as("kubectl failed: %s", run.stderr()).isZero();
  }

  private static Run kubectl(String stdin, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("kubectl"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("KUBECONFIG", sandbox.kubeconfig().toString());
    builder.environment().put("KUBECACHEDIR", work.resolve("kube-cache").toString());
    builder.environment().put("HOME", work.toString());
    Process process = builder.start();
    try (var in = process.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    var stdout = process.getInputStream().readAllBytes();
    var stderr = process.getErrorStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(
        process.exitValue(),
        new String(stdout, StandardCharsets.UTF_8),
        new String(stderr, StandardCharsets.UTF_8));
  }

  private static boolean onPath(String program) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }
}
