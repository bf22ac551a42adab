package dev.exectask.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** One served resource type: what discovery announces and what tables and validation use. */
record ResourceType(
    String group,
    String version,
    String plural,
    String singular,
    String kind,
    boolean namespaced,
    List<String> shortNames,
    List<String> categories,
    boolean statusSubresource,
    boolean execSubresource,
    JsonNode printerColumns,
    JsonNode schema) {

  private static final List<String> ALL = List.of("all");

  /** The built-in types kubectl and the operator use; the CRUD store serves any of them. */
  static final List<ResourceType> BUILT_IN =
      List.of(
          core("configmaps", "ConfigMap", true, false, List.of("cm"), List.of()),
          core("endpoints", "Endpoints", true, false, List.of("ep"), List.of()),
          core("events", "Event", true, false, List.of("ev"), List.of()),
          core("namespaces", "Namespace", false, true, List.of("ns"), List.of()),
          core("nodes", "Node", false, true, List.of("no"), List.of()),
          new ResourceType(
              "", "v1", "pods", "pod", "Pod", true, List.of("po"), ALL, true, true, null, null),
          core("secrets", "Secret", true, false, List.of(), List.of()),
          core("serviceaccounts", "ServiceAccount", true, false, List.of("sa"), List.of()),
          core("services", "Service", true, true, List.of("svc"), ALL),
          apps("deployments", "Deployment", List.of("deploy")),
          apps("replicasets", "ReplicaSet", List.of("rs")),
          apps("statefulsets", "StatefulSet", List.of("sts")),
          apps("daemonsets", "DaemonSet", List.of("ds")),
          plain("coordination.k8s.io", "leases", "Lease", true, List.of()),
          plain("events.k8s.io", "events", "Event", true, List.of("ev")),
          new ResourceType(
              "apiextensions.k8s.io",
              "v1",
              "customresourcedefinitions",
              "customresourcedefinition",
              "CustomResourceDefinition",
              false,
              List.of("crd", "crds"),
              List.of(),
              false,
              false,
              null,
              null),
          plain(
              "authorization.k8s.io",
              "selfsubjectaccessreviews",
              "SelfSubjectAccessReview",
              false,
              List.of()),
          plain(
              "authorization.k8s.io",
              "selfsubjectrulesreviews",
              "SelfSubjectRulesReview",
              false,
              List.of()),
          plain("rbac.authorization.k8s.io", "roles", "Role", true, List.of()),
          plain("rbac.authorization.k8s.io", "rolebindings", "RoleBinding", true, List.of()),
          plain("rbac.authorization.k8s.io", "clusterroles", "ClusterRole", false, List.of()),
          plain(
              "rbac.authorization.k8s.io",
              "clusterrolebindings",
              "ClusterRoleBinding",
              false,
              List.of()));

  /** The served versions of a stored CustomResourceDefinition. */
  static List<ResourceType> fromCrd(JsonNode crd) {
    JsonNode spec = crd.path("spec");
    JsonNode names = spec.path("names");
    List<ResourceType> types = new ArrayList<>();
    for (JsonNode version : spec.path("versions")) {
      if (!version.path("served").asBoolean(true)) {
        continue;
      }
      types.add(
          new ResourceType(
              spec.path("group").asText(),
              version.path("name").asText(),
              names.path("plural").asText(),
              names.path("singular").asText(names.path("kind").asText().toLowerCase()),
              names.path("kind").asText(),
              "Namespaced".equals(spec.path("scope").asText()),
              strings(names.path("shortNames")),
              strings(names.path("categories")),
              version.path("subresources").has("status"),
              false,
              version.get("additionalPrinterColumns"),
              version.path("schema").get("openAPIV3Schema")));
    }
    return types;
  }

  /** Reviews are answered, never stored: the sandbox allows every request. */
  boolean isReview() {
    return group.equals("authorization.k8s.io");
  }

  String groupVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  boolean matches(ResourcePath path) {
    return group.equals(path.group())
        && version.equals(path.version())
        && plural.equals(path.plural());
  }

  private static List<String> strings(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }

  private static ResourceType core(
      String plural,
      String kind,
      boolean namespaced,
      boolean status,
      List<String> shortNames,
      List<String> categories) {
    return new ResourceType(
        "",
        "v1",
        plural,
        kind.toLowerCase(),
        kind,
        namespaced,
        shortNames,
        categories,
        status,
        false,
        null,
        null);
  }

  private static ResourceType apps(String plural, String kind, List<String> shortNames) {
    return new ResourceType(
        "apps",
        "v1",
        plural,
        kind.toLowerCase(),
        kind,
        true,
        shortNames,
        ALL,
        true,
        false,
        null,
        null);
  }

  private static ResourceType plain(
      String group, String plural, String kind, boolean namespaced, List<String> shortNames) {
    return new ResourceType(
        group,
        "v1",
        plural,
        kind.toLowerCase(),
        kind,
        namespaced,
        shortNames,
        List.of(),
        false,
        false,
        null,
        null);
  }
}
