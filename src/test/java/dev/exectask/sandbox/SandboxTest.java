package dev.exectask.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exectask.testing.TestPods;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Exec through the whole sandbox: API server (HTTPS, its own CA), protocol and the emulated node's
 * containers.
 */
class SandboxTest {

  private static Sandbox sandbox;
  private static KubernetesClient client;

  @BeforeAll
  static void start() throws IOException {
    sandbox = Sandbox.start(Files.createTempDirectory("sandbox-test"));
    client = sandbox.client();
    client.resource(TestPods.pod("box")).create();
    client.pods().withName("box").waitUntilCondition(TestPods::isReady, 30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    sandbox.close();
  }

  private static int exec(ByteArrayOutputStream out, ByteArrayOutputStream err, String... argv)
      throws Exception {
    try (ExecWatch watch =
        client.pods().withName("box").writingOutput(out).writingError(err).exec(argv)) {
      return watch.exitCode().get(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void commandsRunInTheContainerWithTheirStreamsAndExitCodes() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();

    int pidOne = exec(out, err, "sh", "-c", "echo $$ ; echo oops >&2");

    assertThat(pidOne).isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).matches("\\d+\n");
    assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("oops\n");
    assertThat(exec(out, err, "sh", "-c", "exit 3")).isEqualTo(3);
    assertThat(exec(out, err, "sh", "-c", "kill -9 $$")).isEqualTo(137);
  }

  @Test
  void closingTheExecConnectionDoesNotKillTheCommand() throws Exception {
    Set<Long> before = sandbox.hostPids("default", "box", "main");
    ExecWatch watch =
        client
            .pods()
            .withName("box")
            .writingOutput(new ByteArrayOutputStream())
            .exec("sh", "-c", "sleep 300");
    Set<Long> started = new HashSet<>();
    try {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                started.clear();
                started.addAll(sandbox.hostPids("default", "box", "main"));
                started.removeAll(before);
                return commands(started).containsAll(List.of("sh", "sleep"));
              });

      watch.close();

      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(5))
          .until(() -> sandbox.hostPids("default", "box", "main").containsAll(started));
      assertThat(commands(started)).containsExactlyInAnyOrder("sh", "sleep");
    } finally {
      started.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }
  }

  @Test
  void medianRoundTripOfAnExec() throws Exception {
    List<Long> micros = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      long start = System.nanoTime();
      assertThat(exec(new ByteArrayOutputStream(), new ByteArrayOutputStream(), "true")).isZero();
      micros.add((System.nanoTime() - start) / 1000);
    }
    Collections.sort(micros);
    System.out.printf(
        "exec round trip of `true` over 100 runs: median %.1f ms, p90 %.1f ms, max %.1f ms%n",
        micros.get(50) / 1000.0, micros.get(90) / 1000.0, micros.get(99) / 1000.0);
  }

  @Test
  void theApiIsHttpsVerifiedWithTheCaTheKubeconfigCarries() throws Exception {
    String kubeconfig = Files.readString(sandbox.kubeconfig());
    assertThat(kubeconfig)
        .contains("server: https://127.0.0.1:" + URI.create(sandbox.url()).getPort())
        .contains("certificate-authority-data: " + sandbox.caCertData())
        .contains("token: sandbox")
        .doesNotContain("insecure-skip-tls-verify");
    assertThat(sandbox.clientProperties())
        .containsEntry("kubernetes.certs.ca.data", sandbox.caCertData())
        .doesNotContainKey("kubernetes.trust.certificates");

    Config fromKubeconfig = Config.fromKubeconfig(kubeconfig);
    assertThat(fromKubeconfig.isTrustCerts()).isFalse();
    try (KubernetesClient user = new KubernetesClientBuilder().withConfig(fromKubeconfig).build()) {
      assertThat(user.pods().withName("box").get()).isNotNull();
    }
    // Without the sandbox's CA, the JDK's trust store does not know the server's certificate.
    Config withoutCa =
        new ConfigBuilder(Config.empty())
            .withMasterUrl(sandbox.url())
            .withNamespace("default")
            .withRequestRetryBackoffLimit(0)
            .build();
    try (KubernetesClient stranger = new KubernetesClientBuilder().withConfig(withoutCa).build()) {
      assertThatThrownBy(() -> stranger.pods().withName("box").get())
          .satisfies(
              e -> assertThat(causes(e)).hasAtLeastOneElementOfType(SSLHandshakeException.class));
    }
  }

  @Test
  void aSecondSandboxRunsBesideButNotInTheSameDirectory() throws Exception {
    String kubeconfigBefore = Files.readString(sandbox.kubeconfig());

    assertThatThrownBy(() -> Sandbox.start(sandbox.directory()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "another sandbox is running in "
                + sandbox.directory()
                + " (it holds sandbox.lock); stop it, or give this one another --sandbox-dir");
    assertThat(Files.readString(sandbox.kubeconfig())).isEqualTo(kubeconfigBefore);
    assertThat(client.pods().withName("box").get()).isNotNull();

    try (Sandbox beside = Sandbox.start(Files.createTempDirectory("sandbox-beside"))) {
      assertThat(beside.url()).isNotEqualTo(sandbox.url());
      beside.client().resource(TestPods.pod("box")).create();
      beside
          .client()
          .pods()
          .withName("box")
          .waitUntilCondition(TestPods::isReady, 30, TimeUnit.SECONDS);
      assertThat(beside.hostPids("default", "box", "main"))
          .isNotEmpty()
          .doesNotContainAnyElementsOf(sandbox.hostPids("default", "box", "main"));
    }
    assertThat(client.pods().withName("box").get()).isNotNull();
  }

  private static List<Throwable> causes(Throwable failure) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = failure; t != null && !chain.contains(t); t = t.getCause()) {
      chain.add(t);
    }
    return chain;
  }

  /** The command names (/proc/PID/comm) of host processes. */
  private static List<String> commands(Set<Long> pids) {
    List<String> names = new ArrayList<>();
    for (long pid : pids) {
      try {
        names.add(Files.readString(Path.of("/proc", Long.toString(pid), "comm")).trim());
      } catch (IOException gone) {
        // exited meanwhile
      }
    }
    return names;
  }
}
