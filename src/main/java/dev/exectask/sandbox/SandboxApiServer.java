package dev.exectask.sandbox;

import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;

/**
 * The sandbox's Kubernetes API: fabric8's {@link KubernetesMockServer} in CRUD mode on 127.0.0.1,
 * with the ExecTask CRD and the usual namespaces in place. Exec requests go to the given backend.
 */
public final class SandboxApiServer implements AutoCloseable {

  /** The committed CRD, copied into the jar by the build. */
  public static final String CRD_RESOURCE = "META-INF/exectask/crds/exectasks.exectask.dev-v1.yml";

  /** The token the kubeconfig carries; the sandbox does not authenticate. */
  static final String TOKEN = "sandbox";

  private final KubernetesMockServer mockServer;
  private final String url;

  private SandboxApiServer(KubernetesMockServer mockServer) {
    this.mockServer = mockServer;
    this.url = "http://" + mockServer.getHostName() + ":" + mockServer.getPort();
  }

  /** Starts the server on a free port of 127.0.0.1 and registers the ExecTask CRD. */
  public static SandboxApiServer start(ExecBackend execBackend) {
    SandboxDispatcher dispatcher = new SandboxDispatcher(Clock.systemUTC());
    KubernetesMockServer mockServer =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()),
            new SandboxHttpServer(execBackend),
            new HashMap<>(),
            dispatcher,
            false);
    mockServer.start(InetAddress.getLoopbackAddress(), 0);
    SandboxApiServer server = new SandboxApiServer(mockServer);
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

  /** {@code http://127.0.0.1:PORT}. */
  public String url() {
    return url;
  }

  public int port() {
    return mockServer.getPort();
  }

  /** The client configuration of a user of the sandbox: its URL, namespace {@code default}. */
  public Config clientConfig() {
    return new ConfigBuilder(Config.empty())
        .withMasterUrl(url)
        .withNamespace("default")
        .withOauthToken(TOKEN)
        .withHttp2Disable(true)
        .withTrustCerts(true)
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
