package dev.exectask.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.api.v1alpha1.Phase;
import dev.exectask.testing.TestPods;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The packaged operator in sandbox mode ({@code java -jar quarkus-run.jar --sandbox}), as a user
 * starts and stops it: with its operator, side by side with another, cluster-only with an operator
 * run as its own process; runs after {@code package}.
 */
class SandboxModeIT {

  private static final Path JAR = Path.of("target", "quarkus-app", "quarkus-run.jar");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

  private final List<Launched> launched = new ArrayList<>();

  /** A started JVM and the lines it printed so far. */
  record Launched(Process process, List<String> lines) {

    Optional<String> lineStartingWith(String prefix) {
      return lines.stream().filter(l -> l.startsWith(prefix)).findFirst();
    }

    void awaitLine(String line) {
      await()
          .atMost(START_TIMEOUT)
          .failFast("the process exited: " + String.join("\n", lines), () -> !process.isAlive())
          .until(() -> lines.contains(line));
    }
  }

  @AfterEach
  void stopEverything() {
    for (Launched each : launched) {
      each.process().descendants().forEach(ProcessHandle::destroyForcibly);
      each.process().destroyForcibly();
    }
  }

  @Test
  void printsTheKubeconfigOnceReadyAndLeavesNoProcessOnSigterm() throws Exception {
    Path dir = Files.createTempDirectory("sandbox-mode");
    Launched sandbox = launch(null, "-Dquarkus.http.port=0", "--sandbox", "--sandbox-dir", dir);

    sandbox.awaitLine(exportLine(dir));
    assertThat(sandbox.lines().stream().filter(l -> l.startsWith("export KUBECONFIG="))).hasSize(1);
    try (KubernetesClient client = clientOf(dir)) {
      assertThat(client.namespaces().withName("default").get()).isNotNull();
      client.resource(TestPods.pod("box")).create();
      client.pods().withName("box").waitUntilCondition(TestPods::isReady, 30, TimeUnit.SECONDS);
    }
    Set<Long> started = descendants(sandbox.process());
    assertThat(started).isNotEmpty();

    stop(sandbox);

    assertAllGone(started);
  }

  @Test
  void clusterOnlyServesAnOperatorStartedOnItsOwnWithLeaderElection() throws Exception {
    Path dir = Files.createTempDirectory("sandbox-cluster-only");
    Launched sandbox = launch(null, "--sandbox", "--no-operator", "--sandbox-dir", dir);
    sandbox.awaitLine(exportLine(dir));
    assertThat(sandbox.lineStartingWith("Operator HTTP:")).isEmpty();

    // As the README says: KUBECONFIG=DIR/kubeconfig java -jar quarkus-run.jar, no flag.
    Launched operator = launch(dir.resolve("kubeconfig"), "-Dquarkus.http.port=0");
    try (KubernetesClient client = clientOf(dir)) {
      client.resource(TestPods.pod("box")).create();
      client.pods().withName("box").waitUntilCondition(TestPods::isReady, 30, TimeUnit.SECONDS);
      client.resource(task("hello", "box", "echo hello")).create();

      await()
          .atMost(START_TIMEOUT)
          .failFast("the operator exited", () -> !operator.process().isAlive())
          .until(() -> phase(client, "hello") == Phase.Succeeded);
      ExecTask done = client.resources(ExecTask.class).withName("hello").get();
      assertThat(done.getStatus().getStdout()).isEqualTo("hello\n");
      assertThat(client.leases().withName("exectask-operator-leader").get())
          .as("the operator led through a Lease in the kubeconfig's namespace")
          .isNotNull();
    }
    Set<Long> started = descendants(sandbox.process());
    started.addAll(descendants(operator.process()));
    assertThat(started).isNotEmpty();

    stop(operator);
    stop(sandbox);

    assertAllGone(started);
  }

  @Test
  void twoOperatorReplicasOnTheLeaseOneLeadsAndTheOtherTakesOver() throws Exception {
    Path dir = Files.createTempDirectory("sandbox-replicas");
    Launched sandbox = launch(null, "--sandbox", "--no-operator", "--sandbox-dir", dir);
    sandbox.awaitLine(exportLine(dir));
    List<Launched> replicas =
        List.of(
            launch(dir.resolve("kubeconfig"), "-Dquarkus.http.port=0"),
            launch(dir.resolve("kubeconfig"), "-Dquarkus.http.port=0"));
    try (KubernetesClient client = clientOf(dir)) {
      client.resource(TestPods.pod("box")).create();
      client.pods().withName("box").waitUntilCondition(TestPods::isReady, 30, TimeUnit.SECONDS);
      client.resource(task("first", "box", "echo first")).create();
      await().atMost(START_TIMEOUT).until(() -> phase(client, "first") == Phase.Succeeded);
      List<Launched> leaders = replicas.stream().filter(SandboxModeIT::leads).toList();
      assertThat(leaders).as("replicas that reconcile").hasSize(1);
      Launched leader = leaders.get(0);
      Launched standby = replicas.get(replicas.indexOf(leader) == 0 ? 1 : 0);

      leader.process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      client.resource(task("second", "box", "echo second")).create();

      // The Lease outlives its holder by its duration: the standby waits that long, then leads.
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> phase(client, "second") == Phase.Succeeded);
      assertThat(leads(standby)).isTrue();
      assertThat(standby.process().isAlive()).isTrue();
    }
  }

  @Test
  void twoSandboxesRunSideBySideEachWithItsOperatorOnAFreeLoopbackPort() throws Exception {
    Path first = Files.createTempDirectory("sandbox-first");
    Path second = Files.createTempDirectory("sandbox-second");
    Launched one = launch(null, "--sandbox", "--sandbox-dir", first);
    Launched two = launch(null, "--sandbox", "--sandbox-dir", second);

    one.awaitLine(exportLine(first));
    two.awaitLine(exportLine(second));

    Set<URI> operators = new HashSet<>();
    for (Launched each : List.of(one, two)) {
      String line = each.lineStartingWith("Operator HTTP: ").orElseThrow();
      URI url = URI.create(line.split(" ")[2]);
      assertThat(url.getHost()).isEqualTo("127.0.0.1");
      assertThat(url.getPort()).isPositive().isNotEqualTo(8080);
      HttpResponse<String> health =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(url.resolve("/q/health/ready")).build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
      operators.add(url);
    }
    assertThat(operators).hasSize(2);
    for (Path dir : List.of(first, second)) {
      try (KubernetesClient client = clientOf(dir)) {
        client.resource(TestPods.pod("box")).create();
        client.pods().withName("box").waitUntilCondition(TestPods::isReady, 30, TimeUnit.SECONDS);
        client.resource(task("hello", "box", "echo " + dir.getFileName())).create();
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> phase(client, "hello") == Phase.Succeeded);
        assertThat(client.resources(ExecTask.class).withName("hello").get().getStatus().getStdout())
            .isEqualTo(dir.getFileName() + "\n");
      }
    }

    // A third one on the first one's directory would overwrite its kubeconfig: it refuses.
    String kubeconfig = Files.readString(first.resolve("kubeconfig"));
    Launched same = launch(null, "--sandbox", "--no-operator", "--sandbox-dir", first);
    assertThat(same.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(same.process().exitValue()).isEqualTo(1);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(same.lines())
                    .containsExactly(
                        "The sandbox could not start: another sandbox is running in "
                            + first.toAbsolutePath()
                            + " (it holds sandbox.lock); stop it, or give this one another"
                            + " --sandbox-dir"));
    assertThat(Files.readString(first.resolve("kubeconfig"))).isEqualTo(kubeconfig);
  }

  @Test
  void aTakenPortIsOneLineAndExitCodeOne() throws Exception {
    Path dir = Files.createTempDirectory("sandbox-taken-port");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();
      Launched sandbox =
          launch(null, "-Dquarkus.http.port=" + port, "--sandbox", "--sandbox-dir", dir);

      assertThat(sandbox.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
      assertThat(sandbox.process().exitValue()).isEqualTo(1);
      await()
          .atMost(Duration.ofSeconds(5))
          .untilAsserted(
              () ->
                  assertThat(sandbox.lines())
                      .containsExactly(
                          "Port "
                              + port
                              + " on 127.0.0.1 is already in use (another sandbox or operator?):"
                              + " give another one with -Dquarkus.http.port=N, or leave it out for"
                              + " a free one."));
    }
  }

  private Launched launch(Path kubeconfig, Object... args) throws IOException {
    assertThat(JAR).as("the packaged application").exists();
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> jvm = new ArrayList<>();
    List<String> program = new ArrayList<>();
    for (Object arg : args) {
      (arg.toString().startsWith("-D") ? jvm : program).add(arg.toString());
    }
    command.addAll(jvm);
    command.add("-jar");
    command.add(JAR.toString());
    command.addAll(program);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().remove("QUARKUS_HTTP_PORT");
    if (kubeconfig != null) {
      builder.environment().put("KUBECONFIG", kubeconfig.toAbsolutePath().toString());
    }
    Process process = builder.start();
    List<String> lines = new CopyOnWriteArrayList<>();
    CompletableFuture.runAsync(
        () -> {
          try (BufferedReader reader =
              new BufferedReader(
                  new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            reader.lines().forEach(lines::add);
          } catch (IOException ignored) {
            // the process ended
          }
        });
    Launched started = new Launched(process, lines);
    launched.add(started);
    return started;
  }

  /** JOSDK starts the controller's event processing only in the replica that holds the Lease. */
  private static boolean leads(Launched operator) {
    return operator.lines().stream()
        .anyMatch(l -> l.contains("Started event processing for controller"));
  }

  private static String exportLine(Path dir) {
    return "export KUBECONFIG=" + dir.resolve("kubeconfig").toAbsolutePath();
  }

  private static KubernetesClient clientOf(Path dir) throws IOException {
    Config config = Config.fromKubeconfig(Files.readString(dir.resolve("kubeconfig")));
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private static ExecTask task(String name, String pod, String script) {
    ExecTask task = new ExecTask();
    task.getMetadata().setName(name);
    ExecTaskSpec spec = new ExecTaskSpec();
    spec.setPodName(pod);
    spec.setCommand(List.of("sh", "-c", script));
    task.setSpec(spec);
    return task;
  }

  private static Phase phase(KubernetesClient client, String name) {
    ExecTask task = client.resources(ExecTask.class).withName(name).get();
    return task == null || task.getStatus() == null ? null : task.getStatus().getPhase();
  }

  private static void stop(Launched launched) throws InterruptedException {
    launched.process().destroy(); // SIGTERM
    assertThat(launched.process().waitFor(60, TimeUnit.SECONDS)).as("stopped on SIGTERM").isTrue();
  }

  private static void assertAllGone(Set<Long> pids) {
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(
                        pids.stream()
                            .filter(
                                pid ->
                                    ProcessHandle.of(pid)
                                        .map(ProcessHandle::isAlive)
                                        .orElse(false)))
                    .isEmpty());
  }

  private static Set<Long> descendants(Process process) {
    return process.descendants().map(ProcessHandle::pid).collect(Collectors.toSet());
  }
}
