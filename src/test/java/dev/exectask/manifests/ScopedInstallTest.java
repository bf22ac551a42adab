package dev.exectask.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.exectask.reconciler.NamespaceOptIn;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The two installs: cluster-wide (deploy/), which starts commands only in namespaces that opted in
 * by label, and namespaced (deploy/overlays/namespaced), which can touch only the namespaces it
 * lists.
 */
class ScopedInstallTest {

  /** The Java Operator SDK's watched namespaces, as an environment variable (read at start). */
  static final String WATCHED_NAMESPACES = "QUARKUS_OPERATOR_SDK_NAMESPACES";

  static final String OPT_IN_LABEL = "exectask.dev/enabled";

  static Stream<Path> installs() {
    return Stream.of(Manifests.DEPLOY, Manifests.NAMESPACED);
  }

  @ParameterizedTest
  @MethodSource("installs")
  void kubectlRendersTheSameObjectsAsTheTestsRead(Path install) throws Exception {
    List<HasMetadata> rendered = Manifests.kustomize(install);
    assertEquals(comparable(Manifests.render(install)), comparable(rendered));
  }

  @Test
  void theEnvironmentVariableIsTheOptInProperty() {
    assertEquals(
        "EXECTASK_REQUIRED_NAMESPACE_LABEL",
        NamespaceOptIn.PROPERTY.toUpperCase().replaceAll("[^A-Z0-9]", "_"));
  }

  @Test
  void clusterWideInstallStartsCommandsOnlyInLabelledNamespaces() {
    Map<String, String> env = env(Manifests.installation());
    assertEquals(OPT_IN_LABEL, env.get("EXECTASK_REQUIRED_NAMESPACE_LABEL"));
    assertThat(env).doesNotContainKey(WATCHED_NAMESPACES);
    ClusterRoleBinding reader =
        Manifests.find(
            Manifests.installation(), ClusterRoleBinding.class, "exectask-operator-namespaces");
    assertEquals("exectask-operator-namespaces", reader.getRoleRef().getName());
  }

  @Test
  void namespacedInstallWatchesExactlyTheNamespacesItMayTouch() {
    List<HasMetadata> objects = Manifests.render(Manifests.NAMESPACED);
    Map<String, String> env = env(objects);
    Set<String> watched =
        Arrays.stream(env.get(WATCHED_NAMESPACES).split(","))
            .map(String::strip)
            .collect(Collectors.toSet());
    Set<String> granted =
        objects.stream()
            .filter(RoleBinding.class::isInstance)
            .map(RoleBinding.class::cast)
            .filter(b -> b.getRoleRef().getName().equals("exectask-operator"))
            .peek(b -> assertEquals(List.of(operator()), b.getSubjects()))
            .map(b -> b.getMetadata().getNamespace())
            .collect(Collectors.toSet());
    assertEquals(Set.of("team-a", "team-b"), watched);
    assertEquals(watched, granted, "a RoleBinding in each watched namespace and nowhere else");
    assertEquals("", env.get("EXECTASK_REQUIRED_NAMESPACE_LABEL"), "the list is the opt-in");
  }

  @Test
  void namespacedInstallBindsTheOperatorToNothingClusterWide() {
    List<String> clusterWide =
        Manifests.render(Manifests.NAMESPACED).stream()
            .filter(ClusterRoleBinding.class::isInstance)
            .map(ClusterRoleBinding.class::cast)
            .filter(b -> b.getSubjects().contains(operator()))
            .map(b -> b.getMetadata().getName())
            .toList();
    assertEquals(List.of(), clusterWide);
  }

  static Subject operator() {
    Subject subject = new Subject();
    subject.setKind("ServiceAccount");
    subject.setName("exectask-operator");
    subject.setNamespace("exectask-system");
    return subject;
  }

  static Map<String, String> env(List<HasMetadata> objects) {
    Deployment deployment = Manifests.find(objects, Deployment.class, "exectask-operator");
    List<EnvVar> env = deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv();
    return env.stream()
        .collect(Collectors.toMap(EnvVar::getName, e -> e.getValue() == null ? "" : e.getValue()));
  }

  /** Each object as a map by kind/namespace/name: neither object nor key order matters. */
  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> comparable(List<HasMetadata> objects) {
    return objects.stream()
        .collect(
            Collectors.toMap(
                o ->
                    o.getKind()
                        + "/"
                        + o.getMetadata().getNamespace()
                        + "/"
                        + o.getMetadata().getName(),
                o -> (Map<String, Object>) Manifests.SERIALIZATION.convertValue(o, Map.class)));
  }
}
