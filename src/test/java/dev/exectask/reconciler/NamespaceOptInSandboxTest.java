package dev.exectask.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.api.v1alpha1.ExecTaskStatus;
import dev.exectask.api.v1alpha1.Phase;
import dev.exectask.api.v1alpha1.Reasons;
import dev.exectask.testing.SandboxTestResource;
import dev.exectask.testing.TestNamespace;
import dev.exectask.testing.TestPods;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator as deploy/ runs it cluster-wide, requiring namespaces to opt in by label: in the
 * sandbox, whose pods share this machine's filesystem, a command that ran leaves its file behind.
 */
@QuarkusTest
@TestProfile(NamespaceOptInSandboxTest.OptInRequired.class)
@QuarkusTestResource(SandboxTestResource.class)
class NamespaceOptInSandboxTest {

  static final String LABEL = "exectask.dev/enabled";
  private static final Duration SHORT = Duration.ofSeconds(60);

  /** The property deploy/operator sets through EXECTASK_REQUIRED_NAMESPACE_LABEL. */
  public static class OptInRequired implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of(NamespaceOptIn.PROPERTY, LABEL);
    }
  }

  @RegisterExtension TestNamespace ns = new TestNamespace();

  @Inject KubernetesClient client;

  private final Path proof =
      Path.of(System.getProperty("java.io.tmpdir"), "exectask-" + UUID.randomUUID());

  @AfterEach
  void removeProof() throws Exception {
    Files.deleteIfExists(proof);
  }

  @Test
  void aNamespaceWithoutTheLabelRunsNoCommand() throws Exception {
    TestPods.createRunning(client, ns.name(), "p");
    task("t");
    ExecTaskStatus status = awaitTerminal("t");
    assertThat(status.getPhase()).isEqualTo(Phase.Failed);
    assertThat(status.getReason()).isEqualTo(Reasons.INVALID_SPEC);
    assertThat(status.getMessage())
        .contains("namespace " + ns.name() + " has not opted in", LABEL + "=true");
    assertThat(status.getStartTime()).isNull();
    assertThat(proof).doesNotExist();
  }

  @Test
  void aLabelledNamespaceRunsTheCommand() throws Exception {
    client
        .namespaces()
        .withName(ns.name())
        .edit(
            n -> {
              n.getMetadata().setLabels(Map.of(LABEL, "true"));
              return n;
            });
    TestPods.createRunning(client, ns.name(), "p");
    task("t");
    ExecTaskStatus status = awaitTerminal("t");
    assertThat(status.getPhase()).isEqualTo(Phase.Succeeded);
    assertThat(proof).exists();
  }

  private void task(String name) {
    ExecTask task = new ExecTask();
    task.getMetadata().setName(name);
    task.getMetadata().setNamespace(ns.name());
    ExecTaskSpec spec = new ExecTaskSpec();
    spec.setPodName("p");
    spec.setCommand(List.of("sh", "-c", "touch \"$1\"", "sh", proof.toString()));
    task.setSpec(spec);
    client.resources(ExecTask.class).inNamespace(ns.name()).resource(task).create();
  }

  private ExecTaskStatus awaitTerminal(String name) {
    return await()
        .atMost(SHORT)
        .until(
            () -> {
              ExecTask t =
                  client.resources(ExecTask.class).inNamespace(ns.name()).withName(name).get();
              return t == null ? null : t.getStatus();
            },
            s -> s != null && s.getPhase() != null && s.getPhase().isTerminal());
  }
}
