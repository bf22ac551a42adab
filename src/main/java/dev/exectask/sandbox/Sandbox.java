package dev.exectask.sandbox;

import dev.exectask.sandbox.node.EmulatedNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A one-process Kubernetes to develop and test against: the sandbox API server (HTTPS on 127.0.0.1)
 * and an emulated node that runs every pod as Linux PID namespaces of this machine, with a
 * kubeconfig for kubectl. One sandbox per directory: it holds {@code DIR/sandbox.lock} while it
 * runs. {@link #close()} stops the node (no process left) and then the server.
 */
public final class Sandbox implements AutoCloseable {

  private final Path directory;
  private final SandboxApiServer apiServer;
  private final KubernetesClient client;
  private final EmulatedNode node;
  private final Path kubeconfig;
  private final FileLock lock;
  private boolean closed;

  private Sandbox(
      Path directory,
      SandboxApiServer apiServer,
      KubernetesClient client,
      EmulatedNode node,
      Path kubeconfig,
      FileLock lock) {
    this.directory = directory;
    this.apiServer = apiServer;
    this.client = client;
    this.node = node;
    this.kubeconfig = kubeconfig;
    this.lock = lock;
  }

  /**
   * Starts the API server and the node, and writes {@code directory/kubeconfig}.
   *
   * @throws IllegalStateException when this machine cannot run the node (not Linux, no util-linux),
   *     or another sandbox runs in this directory
   */
  public static Sandbox start(Path directory) throws IOException {
    Path dir = directory.toAbsolutePath();
    Files.createDirectories(dir);
    FileLock lock = lock(dir);
    AtomicReference<EmulatedNode> running = new AtomicReference<>();
    SandboxApiServer apiServer;
    try {
      apiServer =
          SandboxApiServer.start(
              new ExecBackend() {
                @Override
                public Process exec(
                    String namespace, String pod, String container, List<String> argv)
                    throws Exception {
                  return node().exec(namespace, pod, container, argv);
                }

                @Override
                public byte[] log(String namespace, String pod, String container, boolean previous)
                    throws LogRefused {
                  return node().log(namespace, pod, container, previous);
                }

                private EmulatedNode node() {
                  EmulatedNode node = running.get();
                  if (node == null) {
                    throw new IllegalStateException("the node is not running");
                  }
                  return node;
                }
              },
              dir.resolve(AuditLog.FILE_NAME));
    } catch (RuntimeException e) {
      release(lock);
      throw e;
    }
    KubernetesClient client = null;
    EmulatedNode node = null;
    try {
      client = apiServer.newClient();
      node = new EmulatedNode(client, dir.resolve("node"));
      running.set(node);
      node.start();
      Path kubeconfig =
          writeKubeconfig(
              dir.resolve("kubeconfig"), apiServer.url(), apiServer.certificates().authorityData());
      return new Sandbox(dir, apiServer, client, node, kubeconfig, lock);
    } catch (IOException | RuntimeException e) {
      if (node != null) {
        node.close();
      }
      if (client != null) {
        client.close();
      }
      apiServer.close();
      release(lock);
      throw e;
    }
  }

  /** The CA and server certificate the API serves; clients of the sandbox trust its CA. */
  public dev.exectask.sandbox.tls.SandboxCertificates certificates() {
    return apiServer.certificates();
  }

  /** {@code https://127.0.0.1:PORT}. */
  public String url() {
    return apiServer.url();
  }

  public Path directory() {
    return directory;
  }

  /**
   * The kubeconfig kubectl uses: context {@code sandbox}, namespace {@code default}, the CA to
   * verify the server with and a bearer token.
   */
  public Path kubeconfig() {
    return kubeconfig;
  }

  /** A client of the sandbox (namespace {@code default}), closed with the sandbox. */
  public KubernetesClient client() {
    return client;
  }

  /** The emulated node that runs the pods. */
  public EmulatedNode node() {
    return node;
  }

  /** The host PIDs of every process in a container (its PID namespace), exec'd ones included. */
  public Set<Long> hostPids(String namespace, String podName, String container) {
    return node.hostPids(namespace, podName, container);
  }

  /** The CA that signed the API server's certificate, as fabric8's {@code caCertData}. */
  public String caCertData() {
    return apiServer.certificates().authorityData();
  }

  /**
   * The fabric8 client system properties that point a client (the operator's) at this sandbox, and
   * at nothing else: no kubeconfig, no service account. The client verifies the server's
   * certificate against the sandbox's CA, as against a cluster's.
   */
  public Map<String, String> clientProperties() {
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("kubernetes.master", url());
    properties.put("kubernetes.certs.ca.data", caCertData());
    properties.put("kubernetes.oauthtoken", SandboxApiServer.TOKEN);
    properties.put("kubernetes.auth.tryKubeConfig", "false");
    properties.put("kubernetes.auth.tryServiceAccount", "false");
    properties.put("kubernetes.namespace", "default");
    properties.put("http2.disable", "true");
    return properties;
  }

  /** Kills every container (no process is left on the host), then stops the API server. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      node.close();
    } finally {
      try {
        client.close();
      } finally {
        try {
          apiServer.close();
        } finally {
          release(lock);
        }
      }
    }
  }

  private static FileLock lock(Path dir) throws IOException {
    Path file = dir.resolve("sandbox.lock");
    FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      channel.close();
      throw new IllegalStateException(
          "another sandbox is running in "
              + dir
              + " (it holds "
              + file.getFileName()
              + "); stop it, or give this one another --sandbox-dir");
    }
    return lock;
  }

  private static void release(FileLock lock) {
    try {
      lock.channel().close();
    } catch (IOException ignored) {
      // The lock goes with the process anyway.
    }
  }

  private static Path writeKubeconfig(Path file, String url, String caData) throws IOException {
    String yaml =
        String.join(
            "\n",
            "apiVersion: v1",
            "kind: Config",
            "clusters:",
            "- name: sandbox",
            "  cluster:",
            "    server: " + url,
            "    certificate-authority-data: " + caData,
            "users:",
            "- name: sandbox",
            "  user:",
            "    token: " + SandboxApiServer.TOKEN,
            "contexts:",
            "- name: sandbox",
            "  context:",
            "    cluster: sandbox",
            "    user: sandbox",
            "    namespace: default",
            "current-context: sandbox",
            "");
    Path temporary = Files.createTempFile(file.getParent(), "kubeconfig", ".tmp");
    Files.setPosixFilePermissions(temporary, PosixFilePermissions.fromString("rw-------"));
    Files.writeString(temporary, yaml, StandardCharsets.UTF_8);
    return Files.move(
        temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
