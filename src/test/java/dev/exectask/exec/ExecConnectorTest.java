package dev.exectask.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.exectask.sandbox.Sandbox;
import dev.exectask.sandbox.node.EmulatedNode;
import dev.exectask.testing.TestPods;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Exec streams opened straight to the upgrade, against a whole sandbox: what they carry, and that
 * pings keep a quiet one open behind an idle timeout that cuts an unpinged one.
 */
class ExecConnectorTest {

  private static Sandbox sandbox;
  private static KubernetesClient client;
  private static ScheduledExecutorService scheduler;

  @BeforeAll
  static void start() throws IOException {
    Path files = Files.createTempDirectory("exec-connector");
    sandbox = Sandbox.start(files.resolve("sandbox"));
    client = sandbox.client();
    scheduler = Executors.newSingleThreadScheduledExecutor();
    createReady("plain", Map.of());
    // A load balancer that cuts a stream after 1.5 s without a frame either way.
    createReady("idle-cut", Map.of(EmulatedNode.EXEC_IDLE_TIMEOUT_ANNOTATION, "1.5"));
  }

  @AfterAll
  static void stop() {
    scheduler.shutdownNow();
    sandbox.close();
  }

  private static void createReady(String name, Map<String, String> annotations) {
    client
        .resource(
            new PodBuilder(TestPods.pod(name))
                .editMetadata()
                .withAnnotations(annotations.isEmpty() ? null : annotations)
                .endMetadata()
                .build())
        .create();
    client.pods().withName(name).waitUntilCondition(TestPods::isReady, 30, TimeUnit.SECONDS);
  }

  /** One exec as the operator opens it: its output, its exit status, its end. */
  private record Run(
      ByteArrayOutputStream out, AtomicReference<Status> status, CompletableFuture<Integer> end) {
    String stdout() {
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  private static Run run(WebSocketPings pings, String pod, String script) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AtomicReference<Status> status = new AtomicReference<>();
    ExecWatch watch =
        new ExecConnector(client, pings)
            .open(
                new ExecTarget(client.getNamespace(), pod, "main"),
                List.of("sh", "-c", script),
                false,
                out,
                new ByteArrayOutputStream(),
                new ExecListener() {
                  @Override
                  public void onExit(int code, Status exitStatus) {
                    status.set(exitStatus);
                  }

                  @Override
                  public void onClose(int code, String reason) {
                    // The exit code future reports the end.
                  }
                },
                ExecConnector.RETRIES)
            .get(10, TimeUnit.SECONDS);
    return new Run(out, status, watch.exitCode());
  }

  @Test
  void carriesTheOutputAndTheExitStatus() throws Exception {
    Run run = run(WebSocketPings.disabled(), "plain", "echo hello; echo oops >&2; exit 3");

    assertThat(run.end().get(10, TimeUnit.SECONDS)).isEqualTo(3);
    assertThat(run.stdout()).isEqualTo("hello\n");
    assertThat(run.status().get().getReason()).isEqualTo("NonZeroExitCode");
  }

  @Test
  void anUnpingedQuietStreamIsCutByTheIdleTimeout() throws Exception {
    long started = System.nanoTime();
    Run run = run(WebSocketPings.disabled(), "idle-cut", "sleep 4; echo late");

    run.end().handle((code, failure) -> code).get(10, TimeUnit.SECONDS);
    Duration lasted = Duration.ofNanos(System.nanoTime() - started);

    assertThat(lasted).isLessThan(Duration.ofMillis(3500));
    assertThat(run.status().get()).as("no exit status after a cut").isNull();
    assertThat(run.stdout()).isEmpty();
  }

  @Test
  void pingsKeepAQuietStreamOpenUntilTheCommandEnds() throws Exception {
    WebSocketPings pings = new WebSocketPings(Duration.ofMillis(300), scheduler);
    long started = System.nanoTime();
    Run run = run(pings, "idle-cut", "sleep 4; echo done");
    assertThat(pings.size()).isEqualTo(1);

    assertThat(run.end().get(15, TimeUnit.SECONDS)).isEqualTo(0);
    Duration lasted = Duration.ofNanos(System.nanoTime() - started);

    assertThat(lasted).isGreaterThanOrEqualTo(Duration.ofSeconds(4));
    assertThat(run.stdout()).isEqualTo("done\n");
    assertThat(run.status().get().getStatus()).isEqualTo("Success");
    assertThat(pings.size()).as("an ended stream is no longer pinged").isZero();
  }

  /** How opening an exec of {@code true} in {@code target} fails, given 10 s. */
  static ExecutionException refusedOpen(
      KubernetesClient client, ExecTarget target, int upgradeRetries) {
    return assertThrows(
        ExecutionException.class,
        () ->
            new ExecConnector(client, WebSocketPings.disabled())
                .open(
                    target,
                    List.of("true"),
                    false,
                    new ByteArrayOutputStream(),
                    new ByteArrayOutputStream(),
                    null,
                    upgradeRetries)
                .get(10, TimeUnit.SECONDS));
  }

  @Test
  void aRefusedUpgradeFailsWithTheApiServersAnswer() {
    ExecutionException failure =
        refusedOpen(
            client,
            new ExecTarget(client.getNamespace(), "no-such-pod", "main"),
            ExecConnector.RETRIES);

    assertThat(failure.getCause()).isInstanceOf(KubernetesClientException.class);
    assertThat(((KubernetesClientException) failure.getCause()).getCode()).isEqualTo(404);
  }

  @Test
  void anUnreachableKubeletIsReportedAfterOneTryWithItsMessage() throws Exception {
    createReady("node-lost", Map.of());
    client
        .pods()
        .withName("node-lost")
        .edit(
            pod -> {
              pod.getMetadata()
                  .setAnnotations(Map.of(EmulatedNode.NODE_ANNOTATION, EmulatedNode.NODE_LOST));
              return pod;
            });
    long started = System.nanoTime();

    ExecutionException failure =
        assertThrows(
            ExecutionException.class, () -> run(WebSocketPings.disabled(), "node-lost", "true"));
    Duration lasted = Duration.ofNanos(System.nanoTime() - started);

    KubernetesClientException refused = (KubernetesClientException) failure.getCause();
    assertThat(refused.getCode()).isEqualTo(500);
    assertThat(refused.getMessage()).contains("error dialing backend");
    // The sandbox answers each try after 2 s: a second try would end past 4 s.
    assertThat(lasted).isLessThan(Duration.ofSeconds(4));
  }
}
