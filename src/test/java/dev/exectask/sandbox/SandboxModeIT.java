package dev.exectask.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exectask.testing.TestPods;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The packaged operator in sandbox mode ({@code java -jar quarkus-run.jar --sandbox}), as a user
 * starts and stops it; runs after {@code package}.
 */
class SandboxModeIT {

  private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");

  @Test
  void printsTheKubeconfigOnceReadyAndLeavesNoProcessOnSigterm() throws Exception {
    assertThat(JAR).as("the packaged application").exists();
    Path dir = Files.createTempDirectory("sandbox-mode");
    Process process =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dquarkus.http.port=0",
                "-jar",
                JAR.toString(),
                "--sandbox",
                "--sandbox-dir",
                dir.toString())
            .redirectErrorStream(true)
            .start();
    List<String> lines = new CopyOnWriteArrayList<>();
    CompletableFuture.runAsync(
        () -> {
          try (BufferedReader reader =
              new BufferedReader(
                  new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            reader.lines().forEach(lines::add);
          } catch (Exception ignored) {
            // the process ended
          }
        });
    try {
      String expected = "export KUBECONFIG=" + dir.resolve("kubeconfig").toAbsolutePath();
      await()
          .atMost(Duration.ofSeconds(120))
          .failFast("the sandbox exited", () -> !process.isAlive())
          .until(() -> lines.contains(expected));
      assertThat(lines.stream().filter(l -> l.startsWith("export KUBECONFIG="))).hasSize(1);

      Config config = Config.fromKubeconfig(Files.readString(dir.resolve("kubeconfig")));
      try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build()) {
        assertThat(client.namespaces().withName("default").get()).isNotNull();
        client.resource(TestPods.pod("box")).create();
        client.pods().withName("box").waitUntilCondition(TestPods::isReady, 30, TimeUnit.SECONDS);
      }
      Set<Long> started = descendants(process);
      assertThat(started).isNotEmpty();

      process.destroy(); // SIGTERM

      assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(
                          started.stream()
                              .filter(
                                  pid ->
                                      ProcessHandle.of(pid)
                                          .map(ProcessHandle::isAlive)
                                          .orElse(false)))
                      .isEmpty());
    } finally {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    }
  }

  private static Set<Long> descendants(Process process) {
    return process.descendants().map(ProcessHandle::pid).collect(Collectors.toSet());
  }
}
