package dev.exectask.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exectask.testing.TestPods;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Closing the sandbox leaves nothing running on the host, exec'd processes included. */
class SandboxCloseTest {

  @Test
  void closeKillsEveryContainerAndExecedProcess() throws Exception {
    Set<Long> before = descendants();
    Sandbox sandbox = Sandbox.start(Files.createTempDirectory("sandbox-close"));
    Set<Long> containerPids;
    try {
      sandbox.client().resource(TestPods.pod("box")).create();
      sandbox
          .client()
          .pods()
          .withName("box")
          .waitUntilCondition(TestPods::isReady, 30, TimeUnit.SECONDS);
      ExecWatch watch =
          sandbox
              .client()
              .pods()
              .withName("box")
              .writingOutput(new ByteArrayOutputStream())
              .exec("sh", "-c", "sleep 300 & sleep 300 & wait");
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(() -> sandbox.hostPids("default", "box", "main").size() >= 4);
      watch.close();
      containerPids = sandbox.hostPids("default", "box", "main");
    } finally {
      sandbox.close();
    }

    assertThat(containerPids.stream().filter(SandboxCloseTest::alive)).isEmpty();
    Set<Long> left = descendants();
    left.removeAll(before);
    assertThat(left).as("processes the sandbox started").isEmpty();
  }

  private static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }

  private static Set<Long> descendants() {
    return ProcessHandle.current()
        .descendants()
        .filter(ProcessHandle::isAlive)
        .map(ProcessHandle::pid)
        .collect(Collectors.toCollection(HashSet::new));
  }
}
