package dev.exectask.sandbox;

import static dev.exectask.testing.SandboxKubectl.assertOk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exectask.testing.SandboxKubectl;
import dev.exectask.testing.SandboxKubectl.Run;
import java.io.IOException;
import java.time.Duration;
import java.util.Set;
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

  private static SandboxKubectl cli;

  @BeforeAll
  static void start() throws IOException {
    cli = SandboxKubectl.start("sandbox-faults-kubectl");
  }

  @AfterAll
  static void stop() {
    if (cli != null) {
      cli.close();
    }
  }

  @Test
  void aLostNodeAsKubectlShowsItThenAForcedDelete() throws Exception {
    assertOk(kubectl(POD, "create", "-f", "-"));
    assertOk(kubectl(null, "wait", "--for=condition=Ready", "pod/far", "--timeout=30s"));
    Set<Long> processes = cli.sandbox().hostPids("default", "far", "main");
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

  private static Run kubectl(String stdin, String... args) throws Exception {
    return cli.run(stdin, args);
  }
}
