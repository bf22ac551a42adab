package dev.exectask.reconciler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.api.v1alpha1.Phase;
import dev.exectask.testing.SandboxTestResource;
import dev.exectask.testing.TestPods;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The namespaced install's watch list, set as deploy/overlays/namespaced sets it at run time
 * (QUARKUS_OPERATOR_SDK_NAMESPACES, i.e. quarkus.operator-sdk.namespaces): a task outside the list
 * is never touched.
 */
@QuarkusTest
@TestProfile(WatchedNamespacesSandboxTest.WatchOne.class)
@QuarkusTestResource(SandboxTestResource.class)
class WatchedNamespacesSandboxTest {

  static final String WATCHED = "exectask-watched";
  static final String OTHER = "exectask-not-watched";
  private static final Duration SHORT = Duration.ofSeconds(60);

  /** The property behind the overlay's environment variable. */
  public static class WatchOne implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
      return Map.of("quarkus.operator-sdk.namespaces", WATCHED);
    }
  }

  @Inject KubernetesClient client;

  @BeforeEach
  void namespaces() {
    for (String name : List.of(WATCHED, OTHER)) {
      client
          .namespaces()
          .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
          .create();
      runningPod(name, "p");
    }
  }

  @AfterEach
  void deleteNamespaces() {
    client.namespaces().withName(OTHER).delete();
    client.namespaces().withName(WATCHED).delete();
  }

  @Test
  void onlyTasksOfWatchedNamespacesRun() {
    task(OTHER, "t");
    task(WATCHED, "t");
    await().atMost(SHORT).until(() -> phase(WATCHED, "t") == Phase.Succeeded);
    // The operator picked up and finished the watched task; the other one it never saw.
    ExecTask ignored = client.resources(ExecTask.class).inNamespace(OTHER).withName("t").get();
    assertThat(ignored.getStatus() == null ? null : ignored.getStatus().getPhase()).isNull();
    // The finalizer is the first thing the operator writes on a task it reconciles.
    assertThat(ignored.getMetadata().getFinalizers()).isNullOrEmpty();
  }

  private Phase phase(String namespace, String name) {
    ExecTask t = client.resources(ExecTask.class).inNamespace(namespace).withName(name).get();
    return t == null || t.getStatus() == null ? null : t.getStatus().getPhase();
  }

  private void task(String namespace, String name) {
    ExecTask task = new ExecTask();
    task.getMetadata().setName(name);
    task.getMetadata().setNamespace(namespace);
    ExecTaskSpec spec = new ExecTaskSpec();
    spec.setPodName("p");
    spec.setCommand(List.of("true"));
    task.setSpec(spec);
    client.resources(ExecTask.class).inNamespace(namespace).resource(task).create();
  }

  private void runningPod(String namespace, String name) {
    client.pods().inNamespace(namespace).resource(TestPods.pod(name, namespace, Map.of())).create();
    await()
        .atMost(SHORT)
        .until(
            () -> {
              Pod p = client.pods().inNamespace(namespace).withName(name).get();
              return p != null
                  && p.getStatus() != null
                  && p.getStatus().getContainerStatuses() != null
                  && p.getStatus().getContainerStatuses().stream()
                      .allMatch(cs -> cs.getState() != null && cs.getState().getRunning() != null);
            });
  }
}
