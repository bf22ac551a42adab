package dev.exectask.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exectask.sandbox.node.EmulatedNode;
import dev.exectask.testing.TestPods;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import io.fabric8.kubernetes.client.http.WebSocketHandshakeException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The fault knobs (pod annotations) through the fabric8 client against a whole sandbox: what a
 * client sees on the exec connection, and what stays running on the host.
 */
class ExecFaultsTest {

  private static Sandbox sandbox;
  private static KubernetesClient client;
  private static Path files;
  private final Set<Long> leftovers = new HashSet<>();

  @BeforeAll
  static void start() throws IOException {
    files = Files.createTempDirectory("exec-faults");
    sandbox = Sandbox.start(files.resolve("sandbox"));
    client = sandbox.client();
  }

  @AfterAll
  static void stop() {
    sandbox.close();
  }

  @AfterEach
  void killLeftovers() {
    leftovers.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  /** How an exec connection ended, as the client's listener saw it. */
  record Ending(
      Status exitStatus, Integer closeCode, Throwable failure, Integer httpCode, String body) {
    boolean withoutExitStatus() {
      return exitStatus == null;
    }
  }

  /** An exec under way: the client's watch, its output and how it ended. */
  record Exec(ExecWatch watch, ByteArrayOutputStream out, CompletableFuture<Ending> ending) {}

  private Exec exec(String pod, boolean stdin, String... argv) {
    return exec(client, pod, stdin, argv);
  }

  private Exec exec(KubernetesClient client, String pod, boolean stdin, String... argv) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CompletableFuture<Ending> ending = new CompletableFuture<>();
    var resource = client.pods().withName(pod);
    var operation =
        (stdin ? resource.redirectingInput() : resource)
            .writingOutput(out)
            .writingError(new ByteArrayOutputStream())
            .usingListener(
                new ExecListener() {
                  @Override
                  public void onExit(int code, Status status) {
                    ending.complete(new Ending(status, null, null, null, null));
                  }

                  @Override
                  public void onClose(int code, String reason) {
                    ending.complete(new Ending(null, code, null, null, null));
                  }

                  @Override
                  public void onFailure(Throwable t, Response response) {
                    String body;
                    try {
                      body = response == null ? null : response.body();
                    } catch (IOException e) {
                      body = null;
                    }
                    ending.complete(
                        new Ending(null, null, t, response == null ? null : response.code(), body));
                  }
                });
    ExecWatch watch;
    try {
      watch = operation.exec(argv);
    } catch (KubernetesClientException e) {
      watch = null;
      Integer code = null;
      for (Throwable cause = e; cause != null; cause = cause.getCause()) {
        if (cause instanceof WebSocketHandshakeException refused && refused.getResponse() != null) {
          code = refused.getResponse().code();
        }
      }
      ending.complete(new Ending(null, null, e, code, null));
    }
    return new Exec(watch, out, ending);
  }

  private static Pod readyPod(String name, Map<String, String> annotations) {
    Pod pod =
        new PodBuilder(TestPods.pod(name))
            .editMetadata()
            .withAnnotations(annotations.isEmpty() ? null : annotations)
            .endMetadata()
            .build();
    client.resource(pod).create();
    return client.pods().withName(name).waitUntilCondition(TestPods::isReady, 30, TimeUnit.SECONDS);
  }

  private static void annotate(String pod, String name, String value) {
    client
        .pods()
        .withName(pod)
        .edit(
            p -> {
              if (value == null) {
                p.getMetadata().getAnnotations().remove(name);
              } else {
                p.getMetadata().getAnnotations().put(name, value);
              }
              return p;
            });
  }

  /** Host pids in the pod's container that were not there in {@code before}, once they appear. */
  private Set<Long> newProcesses(String pod, Set<Long> before, String... commands) {
    Set<Long> started = new HashSet<>();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              started.clear();
              started.addAll(sandbox.hostPids("default", pod, "main"));
              started.removeAll(before);
              return comms(started).containsAll(List.of(commands));
            });
    leftovers.addAll(started);
    return started;
  }

  private static List<String> comms(Set<Long> pids) {
    return pids.stream()
        .map(
            pid -> {
              try {
                return Files.readString(Path.of("/proc", pid.toString(), "comm")).trim();
              } catch (IOException gone) {
                return "";
              }
            })
        .toList();
  }

  private static boolean allAlive(Set<Long> pids) {
    return pids.stream()
        .allMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
  }

  private static boolean noneAlive(Set<Long> pids) {
    return pids.stream()
        .noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
  }

  private static int openExecs(String pod) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            sandbox.url()
                                + "/sandbox/v1/namespaces/default/pods/"
                                + pod
                                + "/execs"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    return Integer.parseInt(response.body().replaceAll("[^0-9]", ""));
  }

  /** The API server's whole answer to an exec upgrade request, read off the socket. */
  private static String rawExecAnswer(String pod) throws IOException {
    URI url = URI.create(sandbox.url());
    try (Socket socket = new Socket(url.getHost(), url.getPort())) {
      socket.setSoTimeout(10_000);
      String request =
          "GET /api/v1/namespaces/default/pods/"
              + pod
              + "/exec?command=true&stdout=true HTTP/1.1\r\n"
              + "Host: "
              + url.getHost()
              + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
              + "Sec-WebSocket-Protocol: v4.channel.k8s.io\r\n\r\n";
      socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      byte[] buffer = new byte[4096];
      while (!answer.toString(StandardCharsets.UTF_8).contains("\"code\":500}")) {
        int read = socket.getInputStream().read(buffer);
        if (read < 0) {
          break;
        }
        answer.write(buffer, 0, read);
      }
      return answer.toString(StandardCharsets.UTF_8);
    }
  }

  private static String condition(String pod, String type) {
    return client.pods().withName(pod).get().getStatus().getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .map(PodCondition::getStatus)
        .findFirst()
        .orElse(null);
  }

  @Test
  void droppingExecConnectionsCutsTheOpenOnesAndLeavesTheirProcessesRunning() throws Exception {
    readyPod("drop", Map.of());
    Path eof = files.resolve("drop-eof");
    Set<Long> before = sandbox.hostPids("default", "drop", "main");
    Exec open =
        exec(
            "drop",
            true,
            "sh",
            "-c",
            "echo started; cat >/dev/null; echo eof > " + eof + "; exec sleep 300");
    await().atMost(Duration.ofSeconds(10)).until(() -> open.out().toString().contains("started"));
    Set<Long> processes = newProcesses("drop", before, "sh", "cat");

    annotate("drop", EmulatedNode.DROP_EXEC_ANNOTATION, "1");

    Ending ending = open.ending().get(10, TimeUnit.SECONDS);
    assertThat(ending.withoutExitStatus()).as("ended without exit status: %s", ending).isTrue();
    // stdin got end-of-file: cat returned and the shell went on to its sleep.
    await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(eof));
    await().atMost(Duration.ofSeconds(5)).until(() -> comms(processes).contains("sleep"));
    assertThat(processes.stream().filter(pid -> comms(Set.of(pid)).contains("sleep")))
        .allMatch(pid -> ProcessHandle.of(pid).isPresent());
    assertThat(openExecs("drop")).isZero();

    Exec later = exec("drop", false, "sh", "-c", "echo later");
    assertThat(later.ending().get(10, TimeUnit.SECONDS).exitStatus().getStatus())
        .isEqualTo("Success");
    assertThat(later.out().toString()).isEqualTo("later\n");
  }

  @Test
  void failMidStreamCutsAfterOneKibibyteOfStdin() throws Exception {
    readyPod("midstream", Map.of(EmulatedNode.EXEC_FAULT_ANNOTATION, EmulatedNode.FAIL_MID_STREAM));
    Path counted = files.resolve("midstream-count");
    Set<Long> before = sandbox.hostPids("default", "midstream", "main");
    Exec open =
        exec(
            "midstream", true, "sh", "-c", "echo started; wc -c > " + counted + "; exec sleep 300");
    await().atMost(Duration.ofSeconds(10)).until(() -> open.out().toString().contains("started"));
    open.watch().getInput().write(new byte[4096]);
    open.watch().getInput().flush();

    Ending ending = open.ending().get(10, TimeUnit.SECONDS);

    assertThat(ending.withoutExitStatus()).as("ended without exit status: %s", ending).isTrue();
    assertThat(open.out().toString()).isEqualTo("started\n");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> Files.exists(counted) && Files.size(counted) > 0);
    assertThat(Files.readString(counted).trim()).isEqualTo("1024");
    Set<Long> processes = newProcesses("midstream", before, "sleep");
    assertThat(allAlive(processes)).isTrue();
  }

  @Test
  void failMidStreamCutsAnExecWithoutStdinAfterAMoment() throws Exception {
    readyPod(
        "midstream-quiet",
        Map.of(EmulatedNode.EXEC_FAULT_ANNOTATION, EmulatedNode.FAIL_MID_STREAM));
    Set<Long> before = sandbox.hostPids("default", "midstream-quiet", "main");
    long start = System.nanoTime();
    Exec open = exec("midstream-quiet", false, "sh", "-c", "echo started; exec sleep 300");

    Ending ending = open.ending().get(10, TimeUnit.SECONDS);

    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.printf("fail-mid-stream without stdin: cut after %d ms%n", millis);
    assertThat(ending.withoutExitStatus()).as("ended without exit status: %s", ending).isTrue();
    assertThat(millis).isBetween(ExecSession.FAULT_NO_STDIN_MILLIS, 5000L);
    assertThat(open.out().toString()).isEqualTo("started\n");
    assertThat(allAlive(newProcesses("midstream-quiet", before, "sleep"))).isTrue();
  }

  @Test
  void aHungExecStartsNothingAndStaysOpenUntilTheClientCloses() throws Exception {
    readyPod("hang", Map.of(EmulatedNode.EXEC_FAULT_ANNOTATION, EmulatedNode.HANG));
    Path ran = files.resolve("hang-ran");
    Set<Long> before = sandbox.hostPids("default", "hang", "main");
    Exec open = exec("hang", false, "sh", "-c", "echo ran > " + ran);

    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(
            () ->
                !open.ending().isDone()
                    && openExecs("hang") == 1
                    && sandbox.hostPids("default", "hang", "main").equals(before));
    assertThat(ran).doesNotExist();
    assertThat(open.out().size()).isZero();

    open.watch().close();

    await().atMost(Duration.ofSeconds(5)).until(() -> openExecs("hang") == 0);
    assertThat(ran).doesNotExist();
  }

  @Test
  void aLostNodeRefusesExecsCutsOpenOnesAndHoldsTheDeletion() throws Exception {
    readyPod("lost", Map.of());
    Set<Long> before = sandbox.hostPids("default", "lost", "main");
    Exec open = exec("lost", false, "sh", "-c", "echo started; exec sleep 300");
    await().atMost(Duration.ofSeconds(10)).until(() -> open.out().toString().contains("started"));
    Set<Long> processes = newProcesses("lost", before, "sleep");
    processes.addAll(sandbox.hostPids("default", "lost", "main"));

    annotate("lost", EmulatedNode.NODE_ANNOTATION, EmulatedNode.NODE_LOST);

    assertThat(open.ending().get(10, TimeUnit.SECONDS).withoutExitStatus()).isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> "False".equals(condition("lost", "Ready")));
    assertThat(condition("lost", "ContainersReady")).isEqualTo("True");

    long start = System.nanoTime();
    Ending refused;
    // fabric8 retries an exec answered with a 5xx; one attempt shows what each one gets.
    try (KubernetesClient once =
        new KubernetesClientBuilder()
            .withConfig(
                new ConfigBuilder(client.getConfiguration())
                    .withRequestRetryBackoffLimit(0)
                    .build())
            .build()) {
      refused = exec(once, "lost", false, "true").ending().get(10, TimeUnit.SECONDS);
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.printf("exec into a pod on a lost node refused after %d ms%n", millis);
    assertThat(refused.httpCode()).isEqualTo(500);
    // fabric8 keeps no body of a refused upgrade: read the answer as kubectl does.
    assertThat(rawExecAnswer("lost"))
        .startsWith("HTTP/1.1 500 ")
        .endsWith(
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\","
                + "\"message\":\""
                + ExecStatus.UNREACHABLE_KUBELET
                + "\",\"code\":500}");
    assertThat(millis).isBetween(SandboxHttpServer.LOST_NODE_DIAL_MILLIS - 100, 6000L);

    client.pods().withName("lost").delete();

    await()
        .during(Duration.ofSeconds(2))
        .atMost(Duration.ofSeconds(4))
        .until(
            () -> {
              Pod pod = client.pods().withName("lost").get();
              return pod != null
                  && pod.getMetadata().getDeletionTimestamp() != null
                  && allAlive(processes);
            });

    annotate("lost", EmulatedNode.NODE_ANNOTATION, null);

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> client.pods().withName("lost").get() == null);
    await().atMost(Duration.ofSeconds(10)).until(() -> noneAlive(processes));
  }

  @Test
  void forceDeletingAPodOnALostNodeRemovesItAndKillsItsProcesses() throws Exception {
    readyPod("lost-forced", Map.of());
    Set<Long> processes = new HashSet<>(sandbox.hostPids("default", "lost-forced", "main"));
    assertThat(processes).isNotEmpty();
    annotate("lost-forced", EmulatedNode.NODE_ANNOTATION, EmulatedNode.NODE_LOST);
    client.pods().withName("lost-forced").delete();
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(3))
        .until(() -> client.pods().withName("lost-forced").get() != null && allAlive(processes));

    client.pods().withName("lost-forced").withGracePeriod(0).delete();

    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> client.pods().withName("lost-forced").get() == null);
    await().atMost(Duration.ofSeconds(10)).until(() -> noneAlive(processes));
  }
}
