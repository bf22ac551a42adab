package dev.exectask.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.api.v1alpha1.ExecTaskStatus;
import dev.exectask.api.v1alpha1.Phase;
import dev.exectask.testing.TestApiServer;
import dev.exectask.testing.TestNamespace;
import dev.exectask.testing.TestPods;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The API semantics the operator relies on, which the CRUD mock alone gets wrong or lacks. */
class SandboxApiTest {

  private static final PatchContext SERVER_SIDE_APPLY =
      PatchContext.of(PatchType.SERVER_SIDE_APPLY);

  @RegisterExtension static final TestApiServer api = new TestApiServer();
  @RegisterExtension final TestNamespace ns = new TestNamespace(api::client);

  private ExecTask task(String name) {
    ExecTask task = new ExecTask();
    task.getMetadata().setName(name);
    task.getMetadata().setNamespace(ns.name());
    ExecTaskSpec spec = new ExecTaskSpec();
    spec.setPodName("box");
    spec.setCommand(List.of("true"));
    task.setSpec(spec);
    return task;
  }

  private Resource<ExecTask> tasks(String name) {
    return api.client().resources(ExecTask.class).inNamespace(ns.name()).withName(name);
  }

  @Test
  void serverSideApplyCreatesThenMergesAndDropsWhatTheManagerNoLongerApplies() {
    ConfigMap first =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName("settings")
            .withNamespace(ns.name())
            .endMetadata()
            .withData(Map.of("a", "1", "b", "2"))
            .build();
    ConfigMap created = api.client().resource(first).serverSideApply();
    assertThat(created.getData()).containsOnly(Map.entry("a", "1"), Map.entry("b", "2"));

    ConfigMap second = new ConfigMapBuilder(first).withData(Map.of("a", "10", "c", "3")).build();
    ConfigMap applied = api.client().resource(second).serverSideApply();

    assertThat(applied.getData()).containsOnly(Map.entry("a", "10"), Map.entry("c", "3"));
    assertThat(applied.getMetadata().getUid()).isEqualTo(created.getMetadata().getUid());
  }

  @Test
  void statusIsWrittenOnlyThroughItsSubresourceAndLeavesGenerationAlone() {
    ExecTask created = api.client().resource(task("reported")).serverSideApply();
    assertThat(created.getMetadata().getGeneration()).isEqualTo(1L);

    ExecTask withStatus = tasks("reported").get();
    ExecTaskStatus status = new ExecTaskStatus();
    status.setPhase(Phase.Running);
    status.setMessage("started");
    withStatus.setStatus(status);
    api.client().resource(withStatus).subresource("status").patch(SERVER_SIDE_APPLY);
    ExecTask ignored = tasks("reported").get();
    ignored.getStatus().setPhase(Phase.Failed);
    api.client().resource(ignored).update();

    ExecTask stored = tasks("reported").get();
    assertThat(stored.getStatus().getPhase()).isEqualTo(Phase.Running);
    assertThat(stored.getStatus().getMessage()).isEqualTo("started");
    assertThat(stored.getMetadata().getGeneration()).isEqualTo(1L);

    // A later apply by the same manager that omits a field removes it, as apply does.
    ExecTaskStatus next = new ExecTaskStatus();
    next.setPhase(Phase.Succeeded);
    stored.setStatus(next);
    api.client().resource(stored).subresource("status").patch(SERVER_SIDE_APPLY);
    assertThat(tasks("reported").get().getStatus().getMessage()).isNull();
    assertThat(tasks("reported").get().getStatus().getPhase()).isEqualTo(Phase.Succeeded);
  }

  @Test
  void generationCountsSpecChangesOnly() {
    Deployment deployment =
        api.client()
            .resource(
                new DeploymentBuilder()
                    .withNewMetadata()
                    .withName("web")
                    .withNamespace(ns.name())
                    .endMetadata()
                    .withNewSpec()
                    .withReplicas(1)
                    .endSpec()
                    .build())
            .create();
    assertThat(deployment.getMetadata().getGeneration()).isEqualTo(1L);

    Deployment labelled =
        api.client()
            .resource(deployment)
            .edit(
                d ->
                    new DeploymentBuilder(d)
                        .editMetadata()
                        .addToLabels("x", "y")
                        .endMetadata()
                        .build());
    assertThat(labelled.getMetadata().getGeneration()).isEqualTo(1L);

    Deployment scaled =
        api.client()
            .resource(labelled)
            .edit(d -> new DeploymentBuilder(d).editSpec().withReplicas(3).endSpec().build());
    assertThat(scaled.getMetadata().getGeneration()).isEqualTo(2L);
  }

  @Test
  void aChangedExecTaskSpecIsRejectedAsTheCrdRuleDemands() {
    api.client().resource(task("immutable")).create();
    ExecTask changed = tasks("immutable").get();
    changed.getSpec().setCommand(List.of("false"));

    assertThatThrownBy(() -> api.client().resource(changed).update())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec is immutable")
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422));
  }

  @Test
  void staleUpdatesConflict() {
    api.client().resource(task("stale")).create();
    ExecTask first = tasks("stale").get();
    ExecTask second = tasks("stale").get();
    first.getMetadata().setLabels(Map.of("writer", "first"));
    api.client().resource(first).update();
    second.getMetadata().setLabels(Map.of("writer", "second"));

    assertThatThrownBy(() -> api.client().resource(second).update())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(409));
  }

  @Test
  void deletionWaitsForTheLastFinalizerAndWatchersSeeIt() {
    ExecTask task = task("finalized");
    task.getMetadata().setFinalizers(List.of(ExecTask.FINALIZER, "example.com/other"));
    api.client().resource(task).create();
    List<String> events = new CopyOnWriteArrayList<>();
    try (Watch watch = tasks("finalized").watch(recording(events))) {
      tasks("finalized").delete();

      ExecTask marked = tasks("finalized").get();
      assertThat(marked).isNotNull();
      assertThat(marked.getMetadata().getDeletionTimestamp()).isNotNull();
      assertThat(marked.getMetadata().getGeneration()).isEqualTo(2L);

      // A write made from a copy read before the deletion cannot undo it.
      marked.getMetadata().setDeletionTimestamp(null);
      marked.getMetadata().setFinalizers(List.of("example.com/other"));
      api.client().resource(marked).update();
      assertThat(tasks("finalized").get().getMetadata().getDeletionTimestamp()).isNotNull();

      tasks("finalized")
          .edit(
              t -> {
                t.getMetadata().setFinalizers(List.of());
                return t;
              });

      assertThat(tasks("finalized").get()).isNull();
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(() -> assertThat(events).endsWith("MODIFIED", "DELETED"));
    }
  }

  @Test
  void setBasedLabelSelectorsFilterListsAndWatches() {
    List<String> events = new CopyOnWriteArrayList<>();
    try (Watch watch =
        api.client()
            .pods()
            .inNamespace(ns.name())
            .withLabelIn("tier", "web", "api")
            .watch(recording(events))) {
      for (String tier : List.of("web", "db")) {
        api.client().resource(pod(tier, tier)).create();
      }
      assertThat(
              api.client()
                  .pods()
                  .inNamespace(ns.name())
                  .withLabelIn("tier", "web", "api")
                  .list()
                  .getItems())
          .extracting(p -> p.getMetadata().getName())
          .containsExactly("web");
      assertThat(
              api.client()
                  .pods()
                  .inNamespace(ns.name())
                  .withLabelNotIn("tier", "web")
                  .list()
                  .getItems())
          .extracting(p -> p.getMetadata().getName())
          .containsExactly("db");

      api.client()
          .pods()
          .inNamespace(ns.name())
          .withName("db")
          .edit(
              p -> {
                p.getMetadata().getLabels().put("tier", "api");
                return p;
              });
      api.client()
          .pods()
          .inNamespace(ns.name())
          .withName("web")
          .edit(
              p -> {
                p.getMetadata().getLabels().put("tier", "cache");
                return p;
              });

      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () -> assertThat(events).containsExactly("ADDED web", "ADDED db", "DELETED web"));
    }
  }

  @Test
  void podsGetTheirInitialStatusAndKeepStatusOutOfSpecWrites() {
    Pod created = api.client().resource(pod("p", "web")).create();
    assertThat(created.getStatus().getPhase()).isEqualTo("Pending");
    assertThat(created.getSpec().getRestartPolicy()).isEqualTo("Always");

    Pod edited =
        api.client()
            .pods()
            .inNamespace(ns.name())
            .withName("p")
            .edit(
                p -> {
                  p.getStatus().setPhase("Failed");
                  p.getMetadata().getLabels().put("edited", "yes");
                  return p;
                });

    assertThat(edited.getStatus().getPhase()).isEqualTo("Pending");
    assertThat(edited.getMetadata().getLabels()).containsEntry("edited", "yes");
  }

  @Test
  void namespacesMustExistAndTakeTheirContentsWithThem() {
    assertThatThrownBy(
            () -> api.client().resource(pod("p", "web")).inNamespace("missing-namespace").create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("namespaces \"missing-namespace\" not found");
    api.client().resource(pod("p", "web")).create();

    api.client().namespaces().withName(ns.name()).delete();

    assertThat(api.client().pods().inNamespace(ns.name()).withName("p").get()).isNull();
    assertThat(api.client().namespaces().withName(ns.name()).get()).isNull();
  }

  @Test
  void kubectlGetShowsTheCrdPrinterColumns() throws Exception {
    ExecTask task = api.client().resource(task("table")).create();
    ExecTaskStatus status = new ExecTaskStatus();
    status.setPhase(Phase.Succeeded);
    status.setPodName("box");
    status.setExitCode(0);
    status.setDuration("1s");
    task.setStatus(status);
    api.client().resource(task).updateStatus();

    HttpResponse<String> response =
        HttpClient.newBuilder()
            .sslContext(api.server().certificates().clientContext())
            .build()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            api.server().url()
                                + "/apis/exectask.dev/v1alpha1/namespaces/"
                                + ns.name()
                                + "/exectasks"))
                    .header(
                        "Accept", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json")
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(response.body())
        .contains("\"kind\":\"Table\"")
        .containsSubsequence(
            "\"Name\"", "\"Pod\"", "\"Phase\"", "\"Exit\"", "\"Duration\"", "\"Age\"")
        .contains("\"cells\":[\"table\",\"box\",\"Succeeded\",0,\"1s\",");
  }

  private Pod pod(String name, String tier) {
    return TestPods.pod(name, ns.name(), Map.of("tier", tier));
  }

  private static <T extends io.fabric8.kubernetes.api.model.HasMetadata> Watcher<T> recording(
      List<String> events) {
    return new Watcher<>() {
      @Override
      public void eventReceived(Action action, T resource) {
        events.add(
            resource instanceof Pod
                ? action + " " + resource.getMetadata().getName()
                : action.name());
      }

      @Override
      public void onClose(WatcherException cause) {}
    };
  }
}
