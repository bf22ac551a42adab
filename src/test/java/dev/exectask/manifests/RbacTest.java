package dev.exectask.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.RoleRefBuilder;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.api.model.rbac.SubjectBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The permissions deploy/ grants, one "group resource verb" line per permission. */
class RbacTest {

  private static final String NAMESPACE = "exectask-system";
  private static final String SERVICE_ACCOUNT = "exectask-operator";

  private final List<HasMetadata> installed = Manifests.installation();

  @Test
  void operatorClusterRoleGrantsExactlyWhatTheOperatorUses() {
    ClusterRole role = Manifests.find(installed, ClusterRole.class, "exectask-operator");
    assertEquals(
        new TreeSet<>(
            Set.of(
                "core pods get",
                "core pods list",
                "core pods watch",
                "core pods/exec create",
                "core pods/exec get",
                "exectask.dev exectasks get",
                "exectask.dev exectasks list",
                "exectask.dev exectasks watch",
                "exectask.dev exectasks patch",
                "exectask.dev exectasks update",
                "exectask.dev exectasks delete",
                "exectask.dev exectasks/status get",
                "exectask.dev exectasks/status patch",
                "exectask.dev exectasks/status update",
                "exectask.dev exectasks/finalizers update",
                "core events create",
                "core events patch",
                "events.k8s.io events create",
                "events.k8s.io events patch")),
        permissions(role.getRules()));
  }

  @Test
  void leaderElectionIsAllowedOnlyOnLeasesOfTheOperatorsNamespace() {
    Role role = Manifests.find(installed, Role.class, "exectask-operator-leader-election");
    assertEquals(NAMESPACE, role.getMetadata().getNamespace());
    assertEquals(
        new TreeSet<>(
            Set.of(
                "coordination.k8s.io leases get",
                "coordination.k8s.io leases create",
                "coordination.k8s.io leases update")),
        permissions(role.getRules()));
  }

  @Test
  void noRuleUsesAWildcardOrNamesParticularObjects() {
    List<String> offending = new ArrayList<>();
    for (PolicyRule rule : allRules()) {
      Stream.of(
              rule.getApiGroups(),
              rule.getResources(),
              rule.getVerbs(),
              rule.getResourceNames(),
              rule.getNonResourceURLs())
          .filter(values -> values != null)
          .flatMap(List::stream)
          .filter(value -> value.contains("*"))
          .forEach(offending::add);
    }
    assertEquals(List.of(), offending);
  }

  @Test
  void theOptInCheckReadsNamespacesOneAtATime() {
    ClusterRole role = Manifests.find(installed, ClusterRole.class, "exectask-operator-namespaces");
    assertEquals(Set.of("core namespaces get"), permissions(role.getRules()));
  }

  /** Which permissions the operator's service account holds where, in each install. */
  @Test
  void theNamespacedInstallHoldsTheOperatorsPermissionsOnlyInWatchedNamespaces() {
    List<HasMetadata> namespaced = Manifests.render(Manifests.NAMESPACED);
    ClusterRole operatorRole = Manifests.find(namespaced, ClusterRole.class, "exectask-operator");
    Map<String, Set<String>> granted = new TreeMap<>();
    for (HasMetadata object : namespaced) {
      if (object instanceof ClusterRoleBinding binding
          && binding.getSubjects().stream().anyMatch(RbacTest::isOperator)) {
        granted.put("cluster-wide", Set.of(binding.getRoleRef().getName()));
      } else if (object instanceof RoleBinding binding
          && binding.getSubjects().stream().anyMatch(RbacTest::isOperator)) {
        granted
            .computeIfAbsent(binding.getMetadata().getNamespace(), n -> new TreeSet<>())
            .add(binding.getRoleRef().getKind() + " " + binding.getRoleRef().getName());
      }
    }
    assertEquals(
        Map.of(
            NAMESPACE,
            Set.of("Role exectask-operator-leader-election"),
            "team-a",
            Set.of("ClusterRole exectask-operator"),
            "team-b",
            Set.of("ClusterRole exectask-operator")),
        granted);
    assertEquals(
        permissions(Manifests.find(installed, ClusterRole.class, "exectask-operator").getRules()),
        permissions(operatorRole.getRules()),
        "the same rules as cluster-wide, granted per namespace");
  }

  @Test
  void noRuleOfTheNamespacedInstallUsesAWildcard() {
    List<String> offending = new ArrayList<>();
    for (HasMetadata object : Manifests.render(Manifests.NAMESPACED)) {
      List<PolicyRule> rules =
          object instanceof ClusterRole c
              ? c.getRules()
              : object instanceof Role r ? r.getRules() : List.of();
      for (PolicyRule rule : rules) {
        Stream.of(rule.getApiGroups(), rule.getResources(), rule.getVerbs())
            .flatMap(List::stream)
            .filter(value -> value.contains("*"))
            .forEach(offending::add);
      }
    }
    assertEquals(List.of(), offending);
  }

  private static boolean isOperator(Subject subject) {
    return "ServiceAccount".equals(subject.getKind())
        && SERVICE_ACCOUNT.equals(subject.getName())
        && NAMESPACE.equals(subject.getNamespace());
  }

  @Test
  void operatorRolesAreBoundToItsServiceAccount() {
    Subject operator =
        new SubjectBuilder()
            .withKind("ServiceAccount")
            .withName(SERVICE_ACCOUNT)
            .withNamespace(NAMESPACE)
            .build();
    ClusterRoleBinding cluster =
        Manifests.find(installed, ClusterRoleBinding.class, "exectask-operator");
    assertEquals(roleRef("ClusterRole", "exectask-operator"), cluster.getRoleRef());
    assertEquals(List.of(operator), cluster.getSubjects());
    RoleBinding leases =
        Manifests.find(installed, RoleBinding.class, "exectask-operator-leader-election");
    assertEquals(NAMESPACE, leases.getMetadata().getNamespace());
    assertEquals(roleRef("Role", "exectask-operator-leader-election"), leases.getRoleRef());
    assertEquals(List.of(operator), leases.getSubjects());
  }

  @Test
  void editorIsAggregatedIntoAdminAndEdit() {
    ClusterRole editor = Manifests.find(installed, ClusterRole.class, "exectask-editor");
    assertEquals(
        Map.of(
            "rbac.authorization.k8s.io/aggregate-to-admin", "true",
            "rbac.authorization.k8s.io/aggregate-to-edit", "true"),
        aggregationLabels(editor));
    assertEquals(
        Stream.of("create", "delete", "get", "list", "watch", "patch", "update")
            .map(verb -> "exectask.dev exectasks " + verb)
            .collect(Collectors.toSet()),
        permissions(editor.getRules()));
  }

  @Test
  void viewerIsAggregatedIntoViewAndOnlyReads() {
    ClusterRole viewer = Manifests.find(installed, ClusterRole.class, "exectask-viewer");
    assertEquals(
        Map.of("rbac.authorization.k8s.io/aggregate-to-view", "true"), aggregationLabels(viewer));
    assertEquals(
        new TreeSet<>(
            Set.of(
                "exectask.dev exectasks get",
                "exectask.dev exectasks list",
                "exectask.dev exectasks watch",
                "exectask.dev exectasks/status get",
                "exectask.dev exectasks/status list",
                "exectask.dev exectasks/status watch")),
        permissions(viewer.getRules()));
  }

  private static RoleRef roleRef(String kind, String name) {
    return new RoleRefBuilder()
        .withApiGroup("rbac.authorization.k8s.io")
        .withKind(kind)
        .withName(name)
        .build();
  }

  private List<PolicyRule> allRules() {
    List<PolicyRule> rules = new ArrayList<>();
    installed.stream()
        .filter(ClusterRole.class::isInstance)
        .forEach(role -> rules.addAll(((ClusterRole) role).getRules()));
    installed.stream()
        .filter(Role.class::isInstance)
        .forEach(role -> rules.addAll(((Role) role).getRules()));
    return rules;
  }

  private static Map<String, String> aggregationLabels(ClusterRole role) {
    Map<String, String> labels = new TreeMap<>(role.getMetadata().getLabels());
    labels.keySet().removeIf(key -> !key.startsWith("rbac.authorization.k8s.io/aggregate-to-"));
    return labels;
  }

  /** Expands rules into single permissions, so that how they are grouped does not matter. */
  private static Set<String> permissions(List<PolicyRule> rules) {
    Set<String> permissions = new TreeSet<>();
    for (PolicyRule rule : rules) {
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          for (String verb : rule.getVerbs()) {
            permissions.add((group.isEmpty() ? "core" : group) + " " + resource + " " + verb);
          }
        }
      }
    }
    return permissions;
  }
}
