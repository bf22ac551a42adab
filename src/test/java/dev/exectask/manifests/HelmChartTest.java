package dev.exectask.manifests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The chart in deploy/helm renders, through Helm itself (as a library), the same objects as the
 * kustomize installs: a user picks either and gets one operator.
 */
class HelmChartTest {

  static final Path CHART = Manifests.DEPLOY.resolve("helm/exectask-operator");
  private static final String NAMESPACE = "exectask-system";

  /** Labels only Helm adds; the objects are otherwise compared whole. */
  private static final Set<String> HELM_LABELS =
      Set.of(
          "app.kubernetes.io/instance",
          "app.kubernetes.io/managed-by",
          "app.kubernetes.io/version",
          "helm.sh/chart");

  @Test
  void lintFindsNothing() {
    LintResult lint = new Helm(CHART).lint().strict().call();
    assertEquals(
        List.of(), lint.getMessages().stream().filter(m -> !m.startsWith("[INFO]")).toList());
    assertThat(lint.isFailed()).isFalse();
  }

  @Test
  void defaultValuesRenderTheClusterWideInstall() {
    assertSameObjects(Manifests.installation(), template(t -> t));
  }

  @Test
  void watchNamespacesRenderTheNamespacedInstall() {
    assertSameObjects(
        Manifests.render(Manifests.NAMESPACED),
        template(t -> t.withValuesFile(valuesFile("watchNamespaces: [team-a, team-b]"))));
  }

  @Test
  void valuesSetTheImageResourcesAndLeaderElection() {
    List<HasMetadata> objects =
        template(
            t ->
                t.set("image.repository", "registry.example/exectask")
                    .set("image.tag", "1.2.3")
                    .set("resources.limits.memory", "512Mi")
                    .set("leaderElection.enabled", "false"));
    Deployment deployment = Manifests.find(objects, Deployment.class, "exectask-operator");
    var container = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertEquals("registry.example/exectask:1.2.3", container.getImage());
    assertEquals("512Mi", container.getResources().getLimits().get("memory").toString());
    assertThat(ScopedInstallTest.env(objects))
        .containsEntry("EXECTASK_LEADER_ELECTION_ENABLED", "false");
    assertThat(objects).noneMatch(Role.class::isInstance);
  }

  @Test
  void theRequesterPolicyCanBeTriedInWarnAndAuditFirst() {
    List<HasMetadata> warn =
        template(
            t ->
                t.withValuesFile(
                    valuesFile("requesterAuthorization: {validationActions: [Warn, Audit]}")));
    assertEquals(
        List.of("Warn", "Audit"),
        Manifests.find(warn, ValidatingAdmissionPolicyBinding.class, "exectask-requester-may-exec")
            .getSpec()
            .getValidationActions());
    List<HasMetadata> off = template(t -> t.set("requesterAuthorization.enabled", "false"));
    assertThat(off).noneMatch(ValidatingAdmissionPolicy.class::isInstance);
  }

  @Test
  void aServiceMonitorScrapesTheMetricsEndpointWhenAskedFor() {
    assertThat(template(t -> t)).noneMatch(o -> o.getKind().equals("ServiceMonitor"));
    List<HasMetadata> objects = template(t -> t.set("metrics.serviceMonitor.enabled", "true"));
    Service service = Manifests.find(objects, Service.class, "exectask-operator-metrics");
    GenericKubernetesResource monitor =
        Manifests.find(objects, GenericKubernetesResource.class, "exectask-operator");
    assertEquals("ServiceMonitor", monitor.getKind());
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) monitor.getAdditionalProperties().get("spec");
    @SuppressWarnings("unchecked")
    Map<String, Object> endpoint = ((List<Map<String, Object>>) spec.get("endpoints")).get(0);
    assertEquals("/q/metrics", endpoint.get("path"));
    assertEquals(service.getSpec().getPorts().get(0).getName(), endpoint.get("port"));
    assertEquals(
        Map.of(
            "matchLabels",
            Map.of(
                "app.kubernetes.io/name",
                "exectask-operator",
                "app.kubernetes.io/component",
                "metrics")),
        spec.get("selector"));
    assertThat(service.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/component", "metrics");
    Deployment deployment = Manifests.find(objects, Deployment.class, "exectask-operator");
    assertThat(deployment.getSpec().getTemplate().getMetadata().getLabels())
        .containsAllEntriesOf(service.getSpec().getSelector());
  }

  /** A values file, for lists: helm-java's {@code set} passes strings. */
  private static Path valuesFile(String yaml) {
    try {
      Path file = java.nio.file.Files.createTempFile("values-", ".yaml");
      file.toFile().deleteOnExit();
      return java.nio.file.Files.writeString(file, yaml);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static List<HasMetadata> template(UnaryOperator<TemplateCommand> values) {
    String rendered =
        values
            .apply(new Helm(CHART).template().withName("exectask").withNamespace(NAMESPACE))
            .call();
    List<HasMetadata> objects = new java.util.ArrayList<>(Manifests.parseDocuments(rendered));
    // helm install applies crds/ before the templates; helm template leaves them out.
    objects.addAll(Manifests.parseDocuments(new Helm(CHART).show().crds().call()));
    return objects;
  }

  /**
   * The same objects by kind, namespace and name, each equal once Helm's own labels are left out.
   * The kustomize installs also create the operator's namespace, which Helm leaves to {@code
   * --create-namespace}.
   */
  private static void assertSameObjects(List<HasMetadata> kustomized, List<HasMetadata> charted) {
    Map<String, Map<String, Object>> expected = comparable(kustomized);
    expected.keySet().removeIf(k -> k.startsWith(new Namespace().getKind() + "/"));
    Map<String, Map<String, Object>> actual = comparable(charted);
    assertEquals(expected.keySet(), actual.keySet());
    for (String key : expected.keySet()) {
      assertEquals(expected.get(key), actual.get(key), key);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> comparable(List<HasMetadata> objects) {
    Map<String, Map<String, Object>> byKey = new HashMap<>();
    for (HasMetadata object : objects) {
      Map<String, Object> map = Manifests.SERIALIZATION.convertValue(object, Map.class);
      stripHelmLabels((Map<String, Object>) map.get("metadata"));
      byKey.put(
          object.getKind()
              + "/"
              + object.getMetadata().getNamespace()
              + "/"
              + object.getMetadata().getName(),
          map);
    }
    return byKey;
  }

  @SuppressWarnings("unchecked")
  private static void stripHelmLabels(Map<String, Object> metadata) {
    Map<String, Object> labels = (Map<String, Object>) metadata.get("labels");
    if (labels != null) {
      labels.keySet().removeAll(HELM_LABELS);
    }
  }

  static Set<String> kinds(List<HasMetadata> objects) {
    return objects.stream().map(HasMetadata::getKind).collect(Collectors.toSet());
  }
}
