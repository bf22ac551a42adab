package dev.exectask.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskStatus;
import dev.exectask.api.v1alpha1.Phase;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The cluster-wide install's opt-in: no command starts in a namespace without the label. */
@EnableKubernetesMockClient(crud = true)
class NamespaceOptInTest {

  private static final String LABEL = "exectask.dev/enabled";

  KubernetesClient client;

  @BeforeEach
  void namespaces() {
    namespace("team-a", Map.of(LABEL, "true"));
    namespace("kube-system", Map.of("kubernetes.io/metadata.name", "kube-system"));
    namespace("team-b", Map.of(LABEL, "false"));
  }

  @Test
  void aLabelledNamespaceRunsTasks() {
    assertThat(optIn(LABEL).problems(task("team-a", null), List.of())).isEmpty();
  }

  @Test
  void kubeSystemWithoutTheLabelRunsNothing() {
    assertThat(optIn(LABEL).problems(task("kube-system", null), List.of()))
        .containsExactly(
            "namespace kube-system has not opted in to ExecTasks: this operator runs commands only"
                + " in namespaces labelled exectask.dev/enabled=true (kubectl label namespace"
                + " kube-system exectask.dev/enabled=true)");
  }

  @Test
  void theLabelMustSayTrue() {
    assertThat(optIn(LABEL).problems(task("team-b", Phase.Pending), List.of())).hasSize(1);
  }

  @Test
  void aNamespaceThatCannotBeFoundHasNotOptedIn() {
    assertThat(optIn(LABEL).problems(task("gone", null), List.of("spec problem")))
        .hasSize(2)
        .startsWith("spec problem");
  }

  @Test
  void aTaskThatAlreadyRunsIsNeverStoppedFromBeingObservedOrKilled() {
    assertThat(optIn(LABEL).problems(task("kube-system", Phase.Running), List.of())).isEmpty();
  }

  @Test
  void withoutARequiredLabelEveryNamespaceRunsTasks() {
    assertThat(optIn("").problems(task("kube-system", null), List.of())).isEmpty();
    assertThat(
            new NamespaceOptIn(client, Optional.empty())
                .problems(task("kube-system", null), List.of()))
        .isEmpty();
  }

  private NamespaceOptIn optIn(String label) {
    return new NamespaceOptIn(client, Optional.of(label));
  }

  private void namespace(String name, Map<String, String> labels) {
    client
        .namespaces()
        .resource(
            new NamespaceBuilder()
                .withNewMetadata()
                .withName(name)
                .withLabels(labels)
                .endMetadata()
                .build())
        .create();
  }

  private static ExecTask task(String namespace, Phase phase) {
    ExecTask task = new ExecTask();
    task.setMetadata(new ObjectMetaBuilder().withName("t").withNamespace(namespace).build());
    if (phase != null) {
      ExecTaskStatus status = new ExecTaskStatus();
      status.setPhase(phase);
      task.setStatus(status);
    }
    return task;
  }
}
