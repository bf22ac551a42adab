package dev.exectask.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.api.v1alpha1.ExecTaskStatus;
import dev.exectask.api.v1alpha1.Phase;
import dev.exectask.testing.TestPods;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
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
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The API semantics the operator relies on, which the CRUD mock alone gets wrong or lacks. */
class SandboxApiTest {

  private static final PatchContext SERVER_SIDE_APPLY =
      PatchContext.of(PatchType.SERVER_SIDE_APPLY);

  private static SandboxApiServer server;
  private static KubernetesClient client;
  private String namespace;

  @BeforeAll
  static void start() {
    server = SandboxApiServer.start((ns, pod, container, argv) -> new ProcessBuilder(argv).start());
    client = server.newClient();
  }

  @AfterAll
  static void stop() {
    client.close();
    server.close();
  }

  @BeforeEach
  void createNamespace() {
    namespace = "t-" + UUID.randomUUID().toString().substring(0, 8);
    client
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .create();
  }

  private ExecTask task(String name) {
    ExecTask task = new ExecTask();
    task.getMetadata().setName(name);
    task.getMetadata().setNamespace(namespace);
    ExecTaskSpec spec = new ExecTaskSpec();
    spec.setPodName("box");
    spec.setCommand(List.of("true"));
    task.setSpec(spec);
    return task;
  }

  private Resource<ExecTask> tasks(String name) {
    return client.resources(ExecTask.class).inNamespace(namespace).withName(name);
  }

  @Test
  void serverSideApplyCreatesThenMergesAndDropsWhatTheManagerNoLongerApplies() {
    ConfigMap first =
        new ConfigMapBuilder()
            .withNewMetadata()
            .withName("settings")
            .withNamespace(namespace)
            .endMetadata()
            .withData(Map.of("a", "1", "b", "2"))
            .build();
    ConfigMap created = client.resource(first).serverSideApply();
    assertThat(created.getData()).containsOnly(Map.entry("a", "1"), Map.entry("b", "2"));

    ConfigMap second = new ConfigMapBuilder(first).withData(Map.of("a", "10", "c", "3")).build();
    ConfigMap applied = client.resource(second).serverSideApply();

    assertThat(applied.getData()).containsOnly(Map.entry("a", "10"), Map.entry("c", "3"));
    assertThat(applied.getMetadata().getUid()).isEqualTo(created.getMetadata().getUid());
  }

  @Test
  void statusIsWrittenOnlyThroughItsSubresourceAndLeavesGenerationAlone() {
    ExecTask created = client.resource(task("reported")).serverSideApply();
    assertThat(created.getMetadata().getGeneration()).isEqualTo(1L);

    ExecTask withStatus = tasks("reported").get();
    ExecTaskStatus status = new ExecTaskStatus();
    status.setPhase(Phase.Running);
    status.setMessage("started");
    withStatus.setStatus(status);
    client.resource(withStatus).subresource("status").patch(SERVER_SIDE_APPLY);
    ExecTask ignored = tasks("reported").get();
    ignored.getStatus().setPhase(Phase.Failed);
    client.resource(ignored).update();

    ExecTask stored = tasks("reported").get();
    assertThat(stored.getStatus().getPhase()).isEqualTo(Phase.Running);
    assertThat(stored.getStatus().getMessage()).isEqualTo("started");
    assertThat(stored.getMetadata().getGeneration()).isEqualTo(1L);

    // A later apply by the same manager that omits a field removes it, as apply does.
    ExecTaskStatus next = new ExecTaskStatus();
    next.setPhase(Phase.Succeeded);
    stored.setStatus(next);
    client.resource(stored).subresource("status").patch(SERVER_SIDE_APPLY);
    assertThat(tasks("reported").get().getStatus().getMessage()).isNull();
    assertThat(tasks("reported").get().getStatus().getPhase()).isEqualTo(Phase.Succeeded);
  }

  @Test
  void generationCountsSpecChangesOnly() {
    Deployment deployment =
        client
            .resource(
                new DeploymentBuilder()
                    .withNewMetadata()
                    .withName("web")
                    .withNamespace(namespace)
                    .endMetadata()
                    .withNewSpec()
                    .withReplicas(1)
                    .endSpec()
                    .build())
            .create();
    assertThat(deployment.getMetadata().getGeneration()).isEqualTo(1L);

    Deployment labelled =
        client
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
        client
            .resource(labelled)
            .edit(d -> new DeploymentBuilder(d).editSpec().withReplicas(3).endSpec().build());
    assertThat(scaled.getMetadata().getGeneration()).isEqualTo(2L);
  }

  @Test
  void aChangedExecTaskSpecIsRejectedAsTheCrdRuleDemands() {
    client.resource(task("immutable")).create();
    ExecTask changed = tasks("immutable").get();
    changed.getSpec().setCommand(List.of("false"));

    assertThatThrownBy(() -> client.resource(changed).update())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("spec is immutable")
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(422));
  }

  @Test
  void staleUpdatesConflict() {
    client.resource(task("stale")).create();
    ExecTask first = tasks("stale").get();
    ExecTask second = tasks("stale").get();
    first.getMetadata().setLabels(Map.of("writer", "first"));
    client.resource(first).update();
    second.getMetadata().setLabels(Map.of("writer", "second"));

    assertThatThrownBy(() -> client.resource(second).update())
        .isInstanceOf(KubernetesClientException.class)
        .satisfies(e -> assertThat(((KubernetesClientException) e).getCode()).isEqualTo(409));
  }

  @Test
  void deletionWaitsForTheLastFinalizerAndWatchersSeeIt() {
    ExecTask task = task("finalized");
    task.getMetadata().setFinalizers(List.of(ExecTask.FINALIZER, "example.com/other"));
    client.resource(task).create();
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
      client.resource(marked).update();
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
        client
            .pods()
            .inNamespace(namespace)
            .withLabelIn("tier", "web", "api")
            .watch(recording(events))) {
      for (String tier : List.of("web", "db")) {
        client.resource(pod(tier, tier)).create();
      }
      assertThat(
              client
                  .pods()
                  .inNamespace(namespace)
                  .withLabelIn("tier", "web", "api")
                  .list()
                  .getItems())
          .extracting(p -> p.getMetadata().getName())
          .containsExactly("web");
      assertThat(
              client.pods().inNamespace(namespace).withLabelNotIn("tier", "web").list().getItems())
          .extracting(p -> p.getMetadata().getName())
          .containsExactly("db");

      client
          .pods()
          .inNamespace(namespace)
          .withName("db")
          .edit(
              p -> {
                p.getMetadata().getLabels().put("tier", "api");
                return p;
              });
      client
          .pods()
          .inNamespace(namespace)
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
    Pod created = client.resource(pod("p", "web")).create();
    assertThat(created.getStatus().getPhase()).isEqualTo("Pending");
    assertThat(created.getSpec().getRestartPolicy()).isEqualTo("Always");

    Pod edited =
        client
            .pods()
            .inNamespace(namespace)
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
            () -> client.resource(pod("p", "web")).inNamespace("missing-namespace").create())
        .isInstanceOf(KubernetesClientException.class)
        .hasMessageContaining("namespaces \"missing-namespace\" not found");
    client.resource(pod("p", "web")).create();

    client.namespaces().withName(namespace).delete();

    assertThat(client.pods().inNamespace(namespace).withName("p").get()).isNull();
    assertThat(client.namespaces().withName(namespace).get()).isNull();
  }

  @Test
  void kubectlGetShowsTheCrdPrinterColumns() throws Exception {
    ExecTask task = client.resource(task("table")).create();
    ExecTaskStatus status = new ExecTaskStatus();
    status.setPhase(Phase.Succeeded);
    status.setPodName("box");
    status.setExitCode(0);
    status.setDuration("1s");
    task.setStatus(status);
    client.resource(task).updateStatus();

    HttpResponse<String> response =
        HttpClient.newBuilder()
            .sslContext(server.certificates().clientContext())
            .build()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            server.url()
                                + "/apis/exectask.dev/v1alpha1/namespaces/"
                                + namespace
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
    return TestPods.pod(name, namespace, Map.of("tier", tier));
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
