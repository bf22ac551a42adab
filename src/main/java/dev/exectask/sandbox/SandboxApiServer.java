package dev.exectask.sandbox;

import dev.exectask.sandbox.tls.SandboxCertificates;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;

/**
 * The sandbox's Kubernetes API: fabric8's {@link KubernetesMockServer} in CRUD mode on 127.0.0.1,
 * over HTTPS with a CA made at start, with the ExecTask CRD and the usual namespaces in place. Exec
 * requests go to the given backend.
 */
public final class SandboxApiServer implements AutoCloseable {

  /** The committed CRD, copied into the jar by the build. */
  public static final String CRD_RESOURCE = "META-INF/exectask/crds/exectasks.exectask.dev-v1.yml";

  /** The token the kubeconfig carries; the sandbox does not authenticate. */
  static final String TOKEN = "sandbox";

  private final KubernetesMockServer mockServer;
  private final SandboxCertificates certificates;
  private final String url;

  private SandboxApiServer(KubernetesMockServer mockServer, SandboxCertificates certificates) {
    this.mockServer = mockServer;
    this.certificates = certificates;
    this.url = "https://" + mockServer.getHostName() + ":" + mockServer.getPort();
  }

  /** Starts the server on a free port of 127.0.0.1 and registers the ExecTask CRD. */
  public static SandboxApiServer start(ExecBackend execBackend) {
    return start(execBackend, null);
  }

  /**
   * Starts the server as {@link #start(ExecBackend)} does, recording every request in the audit log
   * {@code auditLog} (none if null).
   */
  public static SandboxApiServer start(ExecBackend execBackend, java.nio.file.Path auditLog) {
    SandboxCertificates certificates = SandboxCertificates.generate();
    PemKeyCertOptions tls =
        new PemKeyCertOptions()
            .setCertValue(Buffer.buffer(certificates.serverChainPem()))
            .setKeyValue(Buffer.buffer(certificates.serverKeyPem()));
    SandboxDispatcher dispatcher = new SandboxDispatcher(Clock.systemUTC());
    // useHttps stays false: SandboxHttpServer serves TLS itself, with the sandbox's own CA.
    KubernetesMockServer mockServer =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()),
            new SandboxHttpServer(
                execBackend,
                tls,
                auditLog == null
                    ? null
                    : AuditLog.to(auditLog, AuditLog.DEFAULT_MAX_BYTES, Clock.systemUTC())),
            new HashMap<>(),
            dispatcher,
            false);
    mockServer.start(loopback(), 0);
    SandboxApiServer server = new SandboxApiServer(mockServer, certificates);
    try (KubernetesClient client = server.newClient()) {
      for (String namespace : List.of("default", "kube-system", "kube-public")) {
        client
            .namespaces()
            .resource(
                new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
            .create();
      }
      client.apiextensions().v1().customResourceDefinitions().resource(execTaskCrd()).create();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  /** {@code https://127.0.0.1:PORT}. */
  public String url() {
    return url;
  }

  public int port() {
    return mockServer.getPort();
  }

  /** The certificates the server presents, with the CA that clients trust. */
  public SandboxCertificates certificates() {
    return certificates;
  }

  /**
   * The client configuration of a user of the sandbox: its URL, its CA (verified, as on a cluster),
   * namespace {@code default}.
   */
  public Config clientConfig() {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(url)
        .withCaCertData(certificates.authorityData())
        .withNamespace("default")
        .withOauthToken(TOKEN)
        .withHttp2Disable(true)
        .build();
  }

  /** A new client of this server; the caller closes it. */
  public KubernetesClient newClient() {
    return new KubernetesClientBuilder().withConfig(clientConfig()).build();
  }

  @Override
  public void close() {
    mockServer.destroy();
  }

  /** 127.0.0.1, the address the server certificate names, even where the JVM prefers IPv6. */
  private static InetAddress loopback() {
    try {
      return InetAddress.getByAddress(SandboxCertificates.DNS_NAME, new byte[] {127, 0, 0, 1});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  private static CustomResourceDefinition execTaskCrd() {
    InputStream yaml =
        Thread.currentThread().getContextClassLoader().getResourceAsStream(CRD_RESOURCE);
    if (yaml == null) {
      yaml = SandboxApiServer.class.getClassLoader().getResourceAsStream(CRD_RESOURCE);
    }
    if (yaml == null) {
      throw new IllegalStateException(
          "The ExecTask CRD is not on the classpath ("
              + CRD_RESOURCE
              + "): the build copies it from deploy/crds; run ./mvnw package");
    }
    try (InputStream in = yaml) {
      return Serialization.unmarshal(in, CustomResourceDefinition.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
