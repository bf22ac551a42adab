package dev.exectask.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The exec subresource through the fabric8 client, against the sandbox API server with plain local
 * processes as the container runtime: what the protocol layer alone must get right.
 */
class ExecProtocolTest {

  private static SandboxApiServer server;
  private static KubernetesClient client;

  @BeforeAll
  static void start() {
    server =
        SandboxApiServer.start(
            (namespace, pod, container, argv) -> new ProcessBuilder(argv).start());
    client = server.newClient();
    client
        .pods()
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName("box")
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName("main")
                .withImage("busybox")
                .endContainer()
                .addNewContainer()
                .withName("sidecar")
                .withImage("busybox")
                .endContainer()
                .endSpec()
                .build())
        .create();
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
  }

  record Result(String stdout, String stderr, int exitCode, Status status) {}

  static Result exec(String... argv) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CompletableFuture<Status> status = new CompletableFuture<>();
    try (ExecWatch watch =
        client
            .pods()
            .withName("box")
            .inContainer("main")
            .writingOutput(out)
            .writingError(err)
            .usingListener(
                new ExecListener() {
                  @Override
                  public void onExit(int code, Status exitStatus) {
                    status.complete(exitStatus);
                  }

                  @Override
                  public void onClose(int code, String reason) {
                    status.complete(null);
                  }
                })
            .exec(argv)) {
      int exitCode = watch.exitCode().get(30, TimeUnit.SECONDS);
      return new Result(
          out.toString(StandardCharsets.UTF_8),
          err.toString(StandardCharsets.UTF_8),
          exitCode,
          status.get(5, TimeUnit.SECONDS));
    }
  }

  @Test
  void stdoutAndStderrArriveApartWithExitCodeZero() throws Exception {
    Result result = exec("sh", "-c", "echo to-out; echo to-err >&2");

    assertThat(result.stdout()).isEqualTo("to-out\n");
    assertThat(result.stderr()).isEqualTo("to-err\n");
    assertThat(result.exitCode()).isZero();
    assertThat(result.status().getStatus()).isEqualTo("Success");
  }

  @Test
  void nonZeroExitCodesArriveAsTheKubeletReportsThem() throws Exception {
    Result three = exec("sh", "-c", "exit 3");
    Result killed = exec("sh", "-c", "kill -9 $$");

    assertThat(three.exitCode()).isEqualTo(3);
    assertThat(three.status().getReason()).isEqualTo("NonZeroExitCode");
    assertThat(three.status().getMessage())
        .isEqualTo(
            "command terminated with non-zero exit code: error executing command [sh -c exit 3],"
                + " exit code 3");
    assertThat(three.status().getDetails().getCauses().get(0).getReason()).isEqualTo("ExitCode");
    assertThat(killed.exitCode()).isEqualTo(137);
  }

  @Test
  void stdinBytesReachTheCommand() throws Exception {
    byte[] input = "line one\nline two with ünïcödé\n".getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ExecWatch watch =
        client
            .pods()
            .withName("box")
            .inContainer("main")
            .redirectingInput()
            .writingOutput(out)
            .exec("head", "-c", Integer.toString(input.length))) {
      watch.getInput().write(input);
      watch.getInput().flush();
      assertThat(watch.exitCode().get(30, TimeUnit.SECONDS)).isZero();
    }
    assertThat(out.toByteArray()).isEqualTo(input);
  }

  @Test
  void tenMebibytesOfOutputArriveIntact() throws Exception {
    int size = 10 * 1024 * 1024;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ExecWatch watch =
        client
            .pods()
            .withName("box")
            .inContainer("main")
            .writingOutput(out)
            .exec("sh", "-c", "yes 0123456789abcdef | head -c " + size)) {
      assertThat(watch.exitCode().get(60, TimeUnit.SECONDS)).isZero();
    }
    byte[] expected = new byte[size];
    byte[] line = "0123456789abcdef\n".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < size; i++) {
      expected[i] = line[i % line.length];
    }
    assertThat(out.size()).isEqualTo(size);
    assertThat(sha256(out.toByteArray())).isEqualTo(sha256(expected));
  }

  @Test
  void argvArrivesVerbatim() throws Exception {
    List<String> args =
        List.of(
            "two words",
            "quo\"te's",
            "$(echo injected)",
            "new\nline",
            "ünïcödé ✓",
            "",
            "*",
            "a+b=c&d");
    List<String> argv = new ArrayList<>(List.of("printf", "%s\\0"));
    argv.addAll(args);

    Result result = exec(argv.toArray(String[]::new));

    assertThat(result.exitCode()).isZero();
    String out = result.stdout();
    assertThat(Arrays.asList(out.substring(0, out.length() - 1).split("\0", -1))).isEqualTo(args);
  }

  @Test
  void aLongArgvArrivesWhole() throws Exception {
    String script = "echo " + "x".repeat(100_000) + " | wc -c";

    Result result = exec("sh", "-c", script);

    assertThat(result.stdout().trim()).isEqualTo("100001");
  }

  @Test
  void aCommandTheRuntimeCannotStartIsAnInternalError() throws Exception {
    Result result = exec("no-such-binary-anywhere");

    assertThat(result.exitCode()).isEqualTo(-1);
    assertThat(result.status().getCode()).isEqualTo(500);
    assertThat(result.status().getReason()).isEqualTo("InternalError");
    assertThat(result.status().getMessage())
        .startsWith(
            "Internal error occurred: error executing command in container: Cannot run program");
  }

  @Test
  void unknownPodsAndContainersAreRejectedAsTheApiServerDoes() {
    assertThatThrownBy(() -> client.pods().withName("missing").inContainer("main").exec("true"))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("404");
    assertThatThrownBy(() -> client.pods().withName("box").inContainer("nope").exec("true"))
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("container nope not found in pod box");
  }

  @Test
  void closingTheConnectionLeavesTheCommandRunning() throws Exception {
    Path pidFile = Files.createTempFile("exec-pid", ".txt");
    ExecWatch watch =
        client
            .pods()
            .withName("box")
            .inContainer("main")
            .writingOutput(new ByteArrayOutputStream())
            .exec("sh", "-c", "echo $$ > " + pidFile + "; yes | head -c 100000000; sleep 300");
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.size(pidFile) > 0);
    long pid = Long.parseLong(Files.readString(pidFile).trim());

    watch.close();

    try {
      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(5))
          .until(() -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
      // The output that nobody reads any more is drained: the command gets to its sleep.
      await()
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  ProcessHandle.of(pid)
                      .orElseThrow()
                      .children()
                      .anyMatch(c -> c.info().command().orElse("").endsWith("sleep")));
    } finally {
      ProcessHandle.of(pid).ifPresent(p -> p.descendants().forEach(ProcessHandle::destroyForcibly));
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
      Files.deleteIfExists(pidFile);
    }
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
