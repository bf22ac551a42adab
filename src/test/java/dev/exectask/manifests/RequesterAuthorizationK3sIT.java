package dev.exectask.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskSpec;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.k3s.K3sContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The requester-authorization policy enforced by a real API server (k3s): an ExecTask is created
 * only for someone whose RBAC lets them exec into its pod. Needs a Docker engine.
 */
@Testcontainers(disabledWithoutDocker = true)
class RequesterAuthorizationK3sIT {

  @Container
  static final K3sContainer K3S =
      new K3sContainer(DockerImageName.parse("rancher/k3s:v1.33.4-k3s1"));

  private static KubernetesClient admin;
  private static String namespace;

  @BeforeAll
  static void install() {
    admin = client(null);
    List<HasMetadata> installation =
        Manifests.installation().stream().filter(o -> !(o instanceof Deployment)).toList();
    admin.resourceList(installation).serverSideApply();
    namespace = "authz-" + UUID.randomUUID().toString().substring(0, 8);
    admin
        .namespaces()
        .resource(
            new NamespaceBuilder().withNewMetadata().withName(namespace).endMetadata().build())
        .create();
    // Everyone below may create ExecTasks here; what differs is whom they may exec into.
    for (String user : List.of("alice", "bob", "carol")) {
      bind(user, "ClusterRole", "exectask-editor");
    }
    bind("alice", "ClusterRole", "edit");
    admin
        .rbac()
        .roles()
        .inNamespace(namespace)
        .resource(
            new RoleBuilder()
                .withNewMetadata()
                .withName("exec-demo")
                .endMetadata()
                .addNewRule()
                .withApiGroups("")
                .withResources("pods/exec")
                .withResourceNames("demo")
                .withVerbs("create")
                .endRule()
                .build())
        .create();
    bind("carol", "Role", "exec-demo");
    // The CRD is served, and the policy takes effect, a moment after they are created.
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              KubernetesClientException refused =
                  refusal("bob", byName("probe-" + UUID.randomUUID()));
              return refused != null
                  && refused.getMessage().contains("exectask-requester-may-exec");
            });
  }

  @AfterAll
  static void close() {
    if (admin != null) {
      admin.close();
    }
  }

  @Test
  void whoMayExecIntoEveryPodMayRunTasksByNameOrSelector() {
    assertThat(refusal("alice", byName("a1"))).isNull();
    assertThat(refusal("alice", bySelector("a2"))).isNull();
  }

  @Test
  void whoMayOnlyCreateExecTasksIsRefusedWithTheReason() {
    KubernetesClientException refused = refusal("bob", byName("b1"));
    assertThat(refused).isNotNull();
    assertThat(refused.getCode()).isEqualTo(403);
    assertThat(refused.getMessage())
        .contains("exectask-requester-may-exec")
        .contains("bob may not create pods/exec on pod demo in namespace " + namespace);
  }

  @Test
  void execOnOnePodAllowsTasksOnThatPodOnly() {
    assertThat(refusal("carol", byName("c1"))).isNull();
    assertThat(refusal("carol", bySelector("c2"))).isNotNull();
  }

  /** Creates the task as {@code user}: null when it was admitted, else the refusal. */
  private static KubernetesClientException refusal(String user, ExecTask task) {
    try (KubernetesClient as = client(user)) {
      as.resources(ExecTask.class).inNamespace(namespace).resource(task).create();
      return null;
    } catch (KubernetesClientException e) {
      return e;
    }
  }

  private static KubernetesClient client(String user) {
    Config config = Config.fromKubeconfig(K3S.getKubeConfigYaml());
    if (user != null) {
      config.setImpersonateUsername(user);
      config.setImpersonateGroups("system:authenticated");
    }
    return new KubernetesClientBuilder().withConfig(config).build();
  }

  private static void bind(String user, String kind, String role) {
    admin
        .rbac()
        .roleBindings()
        .inNamespace(namespace)
        .resource(
            new RoleBindingBuilder()
                .withNewMetadata()
                .withName(user + "-" + role)
                .endMetadata()
                .withNewRoleRef("rbac.authorization.k8s.io", kind, role)
                .addNewSubject()
                .withApiGroup("rbac.authorization.k8s.io")
                .withKind("User")
                .withName(user)
                .endSubject()
                .build())
        .create();
  }

  private static ExecTask byName(String name) {
    ExecTask task = task(name);
    task.getSpec().setPodName("demo");
    return task;
  }

  private static ExecTask bySelector(String name) {
    ExecTask task = task(name);
    task.getSpec()
        .setPodSelector(new LabelSelectorBuilder().addToMatchLabels("app", "demo").build());
    return task;
  }

  private static ExecTask task(String name) {
    ExecTask task = new ExecTask();
    task.getMetadata().setName(name);
    ExecTaskSpec spec = new ExecTaskSpec();
    spec.setCommand(List.of("true"));
    task.setSpec(spec);
    return task;
  }
}
