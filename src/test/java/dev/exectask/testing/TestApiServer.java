package dev.exectask.testing;

import dev.exectask.sandbox.SandboxApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The sandbox's API server alone, with no node and no operator, for tests of API semantics; an exec
 * runs its argv as a plain host process. With a {@link TestNamespace} per test:
 *
 * <pre>{@code
 * @RegisterExtension static final TestApiServer api = new TestApiServer();
 * @RegisterExtension final TestNamespace ns = new TestNamespace(api::client);
 * }</pre>
 */
public final class TestApiServer implements BeforeAllCallback, AfterAllCallback {

  private SandboxApiServer server;
  private KubernetesClient client;

  @Override
  public void beforeAll(ExtensionContext context) {
    server = SandboxApiServer.start((ns, pod, container, argv) -> new ProcessBuilder(argv).start());
    client = server.newClient();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
  }

  public SandboxApiServer server() {
    return server;
  }

  /** A client of the server, as a user of the sandbox has one; closed after the tests. */
  public KubernetesClient client() {
    return client;
  }
}
