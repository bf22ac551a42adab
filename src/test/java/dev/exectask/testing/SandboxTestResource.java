package dev.exectask.testing;

import dev.exectask.sandbox.Sandbox;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Runs the operator of a {@code @QuarkusTest} against a sandbox (API server and emulated node) in a
 * temporary directory: {@code @QuarkusTestResource(SandboxTestResource.class)}. Tests reach the
 * running sandbox through {@link #sandbox()} to create pods and look at host processes.
 */
public class SandboxTestResource implements QuarkusTestResourceLifecycleManager {

  private static volatile Sandbox sandbox;

  /** The sandbox of the running test resource. */
  public static Sandbox sandbox() {
    Sandbox running = sandbox;
    if (running == null) {
      throw new IllegalStateException(
          "no sandbox is running: annotate the test with @QuarkusTestResource(SandboxTestResource.class)");
    }
    return running;
  }

  @Override
  public Map<String, String> start() {
    try {
      Sandbox started = Sandbox.start(Files.createTempDirectory("exectask-sandbox-"));
      sandbox = started;
      Map<String, String> properties = new HashMap<>(started.clientProperties());
      // The fabric8 client the operator builds reads system properties, not Quarkus config.
      properties.forEach(System::setProperty);
      properties.put("quarkus.kubernetes-client.api-server-url", started.url());
      properties.put("quarkus.kubernetes-client.ca-cert-data", started.caCertData());
      properties.put("quarkus.kubernetes-client.namespace", "default");
      return properties;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void stop() {
    Sandbox running = sandbox;
    sandbox = null;
    if (running != null) {
      running.close();
      running.clientProperties().keySet().forEach(System::clearProperty);
      deleteQuietly(running.directory());
    }
  }

  private static void deleteQuietly(Path directory) {
    try (var paths = Files.walk(directory)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // A leftover temporary directory does no harm.
    }
  }
}
