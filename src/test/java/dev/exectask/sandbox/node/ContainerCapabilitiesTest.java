package dev.exectask.sandbox.node;

import static dev.exectask.sandbox.node.NodeHarness.CONTAINER;
import static dev.exectask.sandbox.node.NodeHarness.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Containers run with the capabilities a container runtime grants by default, so what a process
 * inside may see of others (another uid's environment) is what it may see in a real pod.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainerCapabilitiesTest {

  /** CAP_CHOWN ... CAP_AUDIT_WRITE: Docker's, containerd's and CRI-O's default set. */
  private static final String DEFAULT_SET = "00000000a80425fb";

  private NodeHarness api;

  @BeforeAll
  void startNode(@TempDir Path workDir) {
    api = new NodeHarness(workDir);
    api.node.start();
    api.create(pod("caps", "box").build());
    api.awaitReady("caps", "box");
  }

  @AfterAll
  void stopNode() {
    api.close();
  }

  @Test
  void execdProcessesHaveTheDefaultCapabilitiesAndMayGainPrivileges() {
    NodeHarness.Result result =
        api.run("caps", "box", List.of("grep", "-E", "^(Cap|NoNewPrivs)", "/proc/self/status"));

    assertThat(result.exitCode()).isZero();
    assertThat(fields(result.stdout()))
        .containsEntry("CapBnd", DEFAULT_SET)
        .containsEntry("CapEff", DEFAULT_SET)
        .containsEntry("CapPrm", DEFAULT_SET)
        .containsEntry("CapInh", "0000000000000000")
        .containsEntry("CapAmb", "0000000000000000")
        .containsEntry("NoNewPrivs", "0");
  }

  @Test
  void pidOneHasTheDefaultCapabilities() throws IOException {
    long init = api.initPid("caps", "box");

    Map<String, String> status =
        fields(Files.readString(Path.of("/proc", Long.toString(init), "status")));

    assertThat(status).containsEntry("CapBnd", DEFAULT_SET).containsEntry("CapEff", DEFAULT_SET);
  }

  @Test
  void anotherUidsEnvironmentIsUnreadableInsideButReadableOnTheHost() throws IOException {
    NodeHarness.Result started =
        api.run(
            "caps",
            "box",
            List.of(
                "sh",
                "-c",
                "setpriv --reuid=1234 --regid=1234 --clear-groups env SECRET=x sleep 300"
                    + " </dev/null >/dev/null 2>&1 & echo $!"));
    assertThat(started.exitCode()).as(started.stderr()).isZero();
    String pid = started.stdout().trim();
    long hostPid =
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    api.node.hostPids("caps", "box", CONTAINER).stream()
                        .filter(p -> NodeHarness.namespacedPid(p) == Long.parseLong(pid))
                        .filter(p -> LinuxProcesses.commandLine(p).contains("300"))
                        .findFirst()
                        .orElse(-1L),
                p -> p > 0);
    try {
      NodeHarness.Result environ =
          api.run("caps", "box", List.of("cat", "/proc/" + pid + "/environ"));
      NodeHarness.Result stat = api.run("caps", "box", List.of("cat", "/proc/" + pid + "/stat"));

      assertThat(environ.exitCode()).isNotZero();
      assertThat(environ.stderr()).contains("Permission denied");
      assertThat(stat.exitCode()).isZero();
      assertThat(stat.stdout()).startsWith(pid + " (sleep) ");
      assertThat(Files.readString(Path.of("/proc", Long.toString(hostPid), "environ")))
          .contains("SECRET=x");
    } finally {
      ProcessHandle.of(hostPid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  /** "Name:\tvalue" lines of /proc/PID/status. */
  private static Map<String, String> fields(String status) {
    return status
        .lines()
        .map(line -> line.split(":\\s*", 2))
        .filter(parts -> parts.length == 2)
        .collect(Collectors.toMap(parts -> parts[0], parts -> parts[1].trim(), (a, b) -> a));
  }
}
