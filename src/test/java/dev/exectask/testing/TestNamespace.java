package dev.exectask.testing;

import dev.exectask.api.v1alpha1.ExecTask;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.util.Comparator;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Gives each integration test its own namespace, and on failure prints what a user would look at
 * first: the status of every ExecTask and the Events in that namespace.
 *
 * <pre>{@code
 * @RegisterExtension TestNamespace namespace = new TestNamespace();
 * ... namespace.name() ...
 * }</pre>
 */
public final class TestNamespace
    implements BeforeEachCallback, AfterTestExecutionCallback, AfterEachCallback {

  private final Supplier<KubernetesClient> client;
  private String name;

  /** Uses the client of the sandbox that {@link SandboxTestResource} runs. */
  public TestNamespace() {
    this(() -> SandboxTestResource.sandbox().client());
  }

  public TestNamespace(Supplier<KubernetesClient> client) {
    this.client = client;
  }

  /** The namespace of the running test. */
  public String name() {
    if (name == null) {
      throw new IllegalStateException("the namespace exists only while a test runs");
    }
    return name;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    name = namespaceName(context.getRequiredTestMethod().getName());
    client
        .get()
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
  }

  @Override
  public void afterTestExecution(ExtensionContext context) {
    if (context.getExecutionException().isPresent()) {
      System.out.println(report());
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (name != null) {
      client.get().namespaces().withName(name).delete();
      name = null;
    }
  }

  /** The ExecTasks (status only) and Events of the namespace, as text. */
  public String report() {
    KubernetesClient kubernetes = client.get();
    StringBuilder report = new StringBuilder("---- namespace ").append(name).append(" ----\n");
    for (ExecTask task : kubernetes.resources(ExecTask.class).inNamespace(name).list().getItems()) {
      report
          .append("ExecTask ")
          .append(task.getMetadata().getName())
          .append(task.getMetadata().getDeletionTimestamp() == null ? "" : " (being deleted)")
          .append(" status:\n")
          .append(Serialization.asYaml(task.getStatus()))
          .append('\n');
    }
    report.append("Events:\n");
    kubernetes.v1().events().inNamespace(name).list().getItems().stream()
        .sorted(Comparator.comparing(e -> String.valueOf(e.getMetadata().getCreationTimestamp())))
        .forEach(e -> report.append("  ").append(describe(e)).append('\n'));
    return report.toString();
  }

  private static String describe(Event event) {
    return String.join(
        " ",
        String.valueOf(event.getType()),
        String.valueOf(event.getReason()),
        event.getInvolvedObject() == null
            ? "-"
            : event.getInvolvedObject().getKind() + "/" + event.getInvolvedObject().getName(),
        String.valueOf(event.getMessage()));
  }

  /** A DNS-1123 label: the test's name, lowercased and shortened, and a random suffix. */
  static String namespaceName(String testName) {
    String base = testName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    base = base.replaceAll("-+", "-").replaceAll("^-|-$", "");
    if (base.length() > 48) {
      base = base.substring(0, 48).replaceAll("-$", "");
    }
    return (base.isEmpty() ? "test" : base) + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
