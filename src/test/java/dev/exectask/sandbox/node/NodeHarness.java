package dev.exectask.sandbox.node;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/** fabric8's mock API in CRUD mode with an {@link EmulatedNode} on it, as the node's tests use. */
final class NodeHarness implements AutoCloseable {
  static final String CONTAINER = "main";
  static final Duration TIMEOUT = Duration.ofSeconds(20);

  final KubernetesMockServer server;
  final KubernetesClient client;
  final EmulatedNode node;

  NodeHarness(Path workDir) {
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            new HashMap<>(),
            new KubernetesCrudDispatcher(),
            false);
    server.init(InetAddress.getLoopbackAddress(), 0);
    client = server.createClient();
    node = new EmulatedNode(client, workDir);
  }

  /** A pod with one container named {@value #CONTAINER} and no command: the default init. */
  static PodBuilder pod(String namespace, String name) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName(CONTAINER)
        .withImage("busybox:1.36")
        .endContainer()
        .endSpec();
  }

  Pod create(Pod pod) {
    return client.resource(pod).create();
  }

  Pod get(String namespace, String name) {
    return client.pods().inNamespace(namespace).withName(name).get();
  }

  /** The pod's phase, or null before the node first wrote its status. */
  String phase(String namespace, String name) {
    Pod pod = get(namespace, name);
    return pod == null || pod.getStatus() == null ? null : pod.getStatus().getPhase();
  }

  ContainerStatus containerStatus(String namespace, String name) {
    return get(namespace, name).getStatus().getContainerStatuses().get(0);
  }

  Pod awaitReady(String namespace, String name) {
    await()
        .atMost(TIMEOUT)
        .until(
            () -> {
              Pod pod = get(namespace, name);
              return pod != null
                  && pod.getStatus() != null
                  && "Running".equals(pod.getStatus().getPhase())
                  && pod.getStatus().getContainerStatuses().stream()
                      .allMatch(ContainerStatus::getReady);
            });
    return get(namespace, name);
  }

  /** How a command ran: its exit status and everything it wrote. */
  record Result(int exitCode, byte[] stdoutBytes, String stderr) {
    String stdout() {
      return new String(stdoutBytes, StandardCharsets.UTF_8);
    }
  }

  Result run(String namespace, String pod, List<String> argv) {
    return run(namespace, pod, argv, new byte[0]);
  }

  /** Runs a command to completion in the pod's container, feeding it {@code stdin}. */
  Result run(String namespace, String pod, List<String> argv, byte[] stdin) {
    try {
      Process process = node.exec(namespace, pod, CONTAINER, argv);
      CompletableFuture<byte[]> stderr =
          CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
      CompletableFuture<Void> input =
          CompletableFuture.runAsync(
              () -> {
                try (OutputStream in = process.getOutputStream()) {
                  in.write(stdin);
                } catch (IOException e) {
                  throw new UncheckedIOException(e);
                }
              });
      byte[] stdout = readAll(process.getInputStream());
      int exitCode = process.waitFor();
      input.join();
      return new Result(exitCode, stdout, new String(stderr.join(), StandardCharsets.UTF_8));
    } catch (ExecStartException e) {
      throw new AssertionError("exec did not start: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The command lines of every process in the pod's container, seen from the host. */
  Set<String> commandLines(String namespace, String pod) {
    return node.hostPids(namespace, pod, CONTAINER).stream()
        .map(pid -> String.join(" ", LinuxProcesses.commandLine(pid)))
        .collect(Collectors.toSet());
  }

  /** The host pid of the container's PID 1: the member that is pid 1 in its own namespace. */
  long initPid(String namespace, String pod) {
    return node.hostPids(namespace, pod, CONTAINER).stream()
        .filter(pid -> namespacedPid(pid) == 1)
        .findFirst()
        .orElseThrow();
  }

  /** The pid a host process has in its innermost PID namespace. */
  static long namespacedPid(long hostPid) {
    try {
      return Files.readAllLines(Path.of("/proc/" + hostPid + "/status")).stream()
          .filter(line -> line.startsWith("NSpid:"))
          .map(line -> line.split("\\s+"))
          .mapToLong(fields -> Long.parseLong(fields[fields.length - 1]))
          .findFirst()
          .orElse(-1);
    } catch (IOException e) {
      return -1;
    }
  }

  static boolean exists(long pid) {
    return Files.exists(Path.of("/proc/" + pid));
  }

  private static byte[] readAll(InputStream in) {
    try (in) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      in.transferTo(out);
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    node.close();
    client.close();
    server.destroy();
  }
}
