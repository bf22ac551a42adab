package dev.exectask.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicy;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingAdmissionPolicyBinding;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code kubectl apply -k deploy/} installs the CRD, the RBAC and a hardened operator. */
class InstallationTest {

  private static final String NAMESPACE = "exectask-system";

  @Test
  void kustomizeRendersEveryObjectOfTheInstallation() throws Exception {
    List<HasMetadata> rendered = Manifests.kustomize();

    assertEquals(
        Manifests.describe(Manifests.installation()).stream().sorted().toList(),
        Manifests.describe(rendered).stream().sorted().toList(),
        "kubectl kustomize renders exactly the files kustomization.yaml lists");
    Manifests.find(rendered, Namespace.class, NAMESPACE);
    Manifests.find(rendered, CustomResourceDefinition.class, "exectasks.exectask.dev");
    Manifests.find(rendered, ServiceAccount.class, "exectask-operator");
    Manifests.find(rendered, ClusterRole.class, "exectask-operator");
    Manifests.find(rendered, ClusterRoleBinding.class, "exectask-operator");
    Manifests.find(rendered, Role.class, "exectask-operator-leader-election");
    Manifests.find(rendered, RoleBinding.class, "exectask-operator-leader-election");
    Manifests.find(rendered, ClusterRole.class, "exectask-editor");
    Manifests.find(rendered, ClusterRole.class, "exectask-viewer");
    Manifests.find(rendered, Deployment.class, "exectask-operator");
    Manifests.find(rendered, ValidatingAdmissionPolicy.class, "exectask-requester-may-exec");
    Manifests.find(rendered, ValidatingAdmissionPolicyBinding.class, "exectask-requester-may-exec");
  }

  @Test
  void everyFileInDeployIsInstalled() throws Exception {
    List<String> listed =
        Manifests.resourceFiles(Manifests.DEPLOY).stream()
            .map(f -> Manifests.DEPLOY.relativize(f).toString())
            .sorted()
            .toList();
    try (var files = java.nio.file.Files.walk(Manifests.DEPLOY)) {
      List<String> yamlFiles =
          files
              .filter(f -> f.toString().matches(".*\\.ya?ml"))
              .map(f -> Manifests.DEPLOY.relativize(f).toString())
              // Kustomizations, the other installs, and the chart's templates.
              .filter(f -> !f.endsWith("kustomization.yaml"))
              .filter(f -> !f.startsWith("overlays/") && !f.startsWith("helm/"))
              .sorted()
              .toList();
      assertEquals(yamlFiles, listed);
    }
  }

  @Test
  void namespacedObjectsLiveInTheOperatorsNamespace() {
    for (HasMetadata object : Manifests.installation()) {
      if (object instanceof ServiceAccount
          || object instanceof Deployment
          || object instanceof Role
          || object instanceof RoleBinding) {
        assertEquals(
            NAMESPACE, object.getMetadata().getNamespace(), object.getKind() + " namespace");
      }
    }
  }

  @Test
  void operatorRunsAsOneHardenedReplicaWithHealthProbes() {
    Deployment deployment =
        Manifests.find(Manifests.installation(), Deployment.class, "exectask-operator");
    assertEquals(1, deployment.getSpec().getReplicas());
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    assertEquals("exectask-operator", pod.getServiceAccountName());
    assertEquals(true, pod.getSecurityContext().getRunAsNonRoot());
    assertEquals("RuntimeDefault", pod.getSecurityContext().getSeccompProfile().getType());

    assertEquals(1, pod.getContainers().size());
    Container operator = pod.getContainers().get(0);
    assertEquals("ghcr.io/exectask/exectask-operator:0.1.0", operator.getImage());
    assertEquals("/q/health/live", operator.getLivenessProbe().getHttpGet().getPath());
    assertEquals("/q/health/ready", operator.getReadinessProbe().getHttpGet().getPath());
    assertEquals(
        8080,
        operator.getPorts().stream()
            .filter(
                p ->
                    p.getName()
                        .equals(operator.getLivenessProbe().getHttpGet().getPort().getStrVal()))
            .findFirst()
            .orElseThrow()
            .getContainerPort());
    assertEquals(
        Map.of("cpu", new Quantity("100m"), "memory", new Quantity("320Mi")),
        operator.getResources().getRequests());
    assertEquals(
        Map.of("cpu", new Quantity("1"), "memory", new Quantity("512Mi")),
        operator.getResources().getLimits());

    SecurityContext security = operator.getSecurityContext();
    assertEquals(false, security.getAllowPrivilegeEscalation());
    assertEquals(true, security.getReadOnlyRootFilesystem());
    assertEquals(List.of("ALL"), security.getCapabilities().getDrop());
    assertTrue(
        operator.getVolumeMounts().stream().anyMatch(m -> m.getMountPath().equals("/tmp")),
        "a writable /tmp, since the root filesystem is read-only");
  }
}
