package dev.exectask.e2e;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.api.v1alpha1.ExecTaskStatus;
import dev.exectask.api.v1alpha1.Phase;
import dev.exectask.manifests.Manifests;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The shipped CRD and RBAC on a real API server (k3s): what it rejects, and, when the operator has
 * been packaged, a command run end to end by the operator acting as its own service account.
 */
@Testcontainers(disabledWithoutDocker = true)
class K3sExecTaskIT {

  private static final Path OPERATOR_JAR = Path.of("target/quarkus-app/quarkus-run.jar");
  private static final String OPERATOR_ACCOUNT =
      "system:serviceaccount:exectask-system:exectask-operator";

  @Container
  static final K3sContainer K3S =
      new K3sContainer(DockerImageName.parse("rancher/k3s:v1.33.4-k3s1"));

  private static KubernetesClient client;

  @BeforeAll
  static void installCrdAndRbac() {
    client =
        new KubernetesClientBuilder()
            .withConfig(Config.fromKubeconfig(K3S.getKubeConfigYaml()))
            .build();
    // Everything but the Deployment, whose image is not built here: the operator runs as a process.
    List<HasMetadata> installation =
        Manifests.installation().stream().filter(o -> !(o instanceof Deployment)).toList();
    client.resourceList(installation).serverSideApply();
    client
        .resources(CustomResourceDefinition.class)
        .withName("exectasks.exectask.dev")
        .waitUntilCondition(
            crd ->
                crd.getStatus() != null
                    && crd.getStatus().getConditions().stream()
                        .anyMatch(
                            c -> c.getType().equals("Established") && c.getStatus().equals("True")),
            1,
            TimeUnit.MINUTES);
  }

  @AfterAll
  static void closeClient() {
    if (client != null) {
      client.close();
    }
  }

  @Test
  void apiServerRejectsAnInvalidTask() {
    String namespace = createNamespace();
    ExecTask noCommand = task("no-command", "demo", List.of());
    assertRejected(noCommand, namespace, "command");

    ExecTask both = task("both", "demo", List.of("true"));
    both.getSpec()
        .setPodSelector(new LabelSelectorBuilder().addToMatchLabels("app", "demo").build());
    assertRejected(both, namespace, "exactly one of podName or podSelector must be set");
  }

  @Test
  void apiServerRejectsASpecChange() {
    String namespace = createNamespace();
    tasks(namespace).resource(task("immutable", "demo", List.of("true"))).create();

    KubernetesClientException rejected =
        assertThrows(
            KubernetesClientException.class,
            () ->
                tasks(namespace)
                    .withName("immutable")
                    .edit(
                        t -> {
                          t.getSpec().setCommand(List.of("false"));
                          return t;
                        }));
    assertEquals(422, rejected.getCode(), rejected.getMessage());
    assertTrue(rejected.getMessage().contains("spec is immutable"), rejected.getMessage());
  }

  @Test
  void operatorRunsACommandInAPod() throws IOException, InterruptedException {
    assumeTrue(
        Files.exists(OPERATOR_JAR), OPERATOR_JAR + " is missing; run `./mvnw package` to build it");
    String namespace = createNamespace();
    client
        .pods()
        .inNamespace(namespace)
        .resource(
            Manifests.SERIALIZATION.unmarshal(
                Manifests.read(Manifests.EXAMPLES.resolve("pod.yaml")), Pod.class))
        .create();
    client.pods().inNamespace(namespace).withName("demo").waitUntilReady(3, TimeUnit.MINUTES);

    Path kubeconfig = Files.createTempFile("k3s", ".kubeconfig");
    Files.writeString(kubeconfig, K3S.getKubeConfigYaml());
    Path log = Path.of("target/e2e-operator.log");
    ProcessBuilder launch =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                OPERATOR_JAR.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    launch.environment().put("KUBECONFIG", kubeconfig.toString());
    // Acting as the operator's service account puts the shipped RBAC to the test.
    launch.environment().put("KUBERNETES_IMPERSONATE_USERNAME", OPERATOR_ACCOUNT);
    // The namespace it is deployed in, where its leader-election Lease may live.
    launch.environment().put("KUBERNETES_NAMESPACE", "exectask-system");
    launch.environment().put("QUARKUS_HTTP_PORT", "0");
    Process operator = launch.start();
    try {
      tasks(namespace).resource(task("hi", "demo", List.of("sh", "-c", "echo hi"))).create();
      ExecTaskStatus status = awaitTerminal(namespace, "hi", log);
      assertEquals(Phase.Succeeded, status.getPhase(), status.getMessage());
      assertEquals("hi\n", status.getStdout());
      assertEquals(0, status.getExitCode());
    } finally {
      operator.destroy();
      operator.waitFor(30, TimeUnit.SECONDS);
      Files.deleteIfExists(kubeconfig);
    }
  }

  private ExecTaskStatus awaitTerminal(String namespace, String name, Path operatorLog)
      throws IOException {
    try {
      await()
          .atMost(Duration.ofMinutes(2))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                ExecTaskStatus status = tasks(namespace).withName(name).get().getStatus();
                return status != null
                    && status.getPhase() != null
                    && status.getPhase().isTerminal();
              });
      return tasks(namespace).withName(name).get().getStatus();
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "task "
              + name
              + " did not finish.\nStatus:\n"
              + Manifests.SERIALIZATION.asYaml(tasks(namespace).withName(name).get().getStatus())
              + "Events:\n"
              + client.v1().events().inNamespace(namespace).list().getItems().stream()
                  .map(ev -> ev.getReason() + ": " + ev.getMessage())
                  .toList()
              + "\nOperator log:\n"
              + Files.readString(operatorLog),
          e);
    }
  }

  private static void assertRejected(ExecTask task, String namespace, String because) {
    KubernetesClientException rejected =
        assertThrows(
            KubernetesClientException.class, () -> tasks(namespace).resource(task).create());
    assertEquals(422, rejected.getCode(), rejected.getMessage());
    assertTrue(rejected.getMessage().contains(because), rejected.getMessage());
  }

  private static NonNamespaceOperation<
          ExecTask, KubernetesResourceList<ExecTask>, Resource<ExecTask>>
      tasks(String namespace) {
    return client.resources(ExecTask.class).inNamespace(namespace);
  }

  /** Each test gets its own namespace, so tests cannot see each other's tasks and pods. */
  private static String createNamespace() {
    String name = "e2e-" + UUID.randomUUID().toString().substring(0, 8);
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .create();
    return name;
  }

  private static ExecTask task(String name, String podName, List<String> command) {
    ExecTask task = new ExecTask();
    task.getMetadata().setName(name);
    ExecTaskSpec spec = new ExecTaskSpec();
    spec.setPodName(podName);
    spec.setCommand(command);
    task.setSpec(spec);
    return task;
  }
}
