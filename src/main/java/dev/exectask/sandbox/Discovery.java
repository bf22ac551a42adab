package dev.exectask.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.exectask.sandbox.api.OpenApiV3;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The legacy (unaggregated) discovery documents: kubectl asks for the aggregated form first and
 * falls back to these when the answer is plain {@code application/json}.
 */
final class Discovery {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> VERBS =
      List.of("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch");

  private Discovery() {}

  static String version() {
    ObjectNode version = JSON.createObjectNode();
    version.put("major", "1");
    version.put("minor", "32");
    version.put("gitVersion", "v1.32.0-sandbox");
    version.put("gitCommit", "0000000000000000000000000000000000000000");
    version.put("gitTreeState", "clean");
    version.put("buildDate", "2025-01-01T00:00:00Z");
    version.put("goVersion", "go1.23.4");
    version.put("compiler", "gc");
    version.put("platform", "linux/amd64");
    return version.toString();
  }

  static String coreVersions(String serverAddress) {
    ObjectNode versions = JSON.createObjectNode();
    versions.put("kind", "APIVersions");
    versions.putArray("versions").add("v1");
    ObjectNode address = versions.putArray("serverAddressByClientCIDRs").addObject();
    address.put("clientCIDR", "0.0.0.0/0");
    address.put("serverAddress", serverAddress);
    return versions.toString();
  }

  static String groupList(List<ResourceType> types) {
    ObjectNode list = JSON.createObjectNode();
    list.put("kind", "APIGroupList");
    list.put("apiVersion", "v1");
    ArrayNode groups = list.putArray("groups");
    versionsByGroup(types).forEach((group, versions) -> groups.add(group(group, versions)));
    return list.toString();
  }

  static Optional<String> group(List<ResourceType> types, String name) {
    Set<String> versions = versionsByGroup(types).get(name);
    if (versions == null) {
      return Optional.empty();
    }
    ObjectNode group = group(name, versions);
    group.put("kind", "APIGroup");
    group.put("apiVersion", "v1");
    return Optional.of(group.toString());
  }

  static Optional<String> resourceList(List<ResourceType> types, String groupVersion) {
    List<ResourceType> matching =
        types.stream().filter(t -> t.groupVersion().equals(groupVersion)).toList();
    if (matching.isEmpty()) {
      return Optional.empty();
    }
    ObjectNode list = JSON.createObjectNode();
    list.put("kind", "APIResourceList");
    list.put("apiVersion", "v1");
    list.put("groupVersion", groupVersion);
    ArrayNode resources = list.putArray("resources");
    for (ResourceType type : matching) {
      ObjectNode resource =
          resource(
              resources,
              type.plural(),
              type,
              type.kind(),
              type.isReview() ? List.of("create") : VERBS);
      resource.put("singularName", type.singular());
      if (!type.shortNames().isEmpty()) {
        type.shortNames().forEach(resource.putArray("shortNames")::add);
      }
      if (!type.categories().isEmpty()) {
        type.categories().forEach(resource.putArray("categories")::add);
      }
      if (type.statusSubresource()) {
        resource(
            resources,
            type.plural() + "/status",
            type,
            type.kind(),
            List.of("get", "patch", "update"));
      }
      if (type.execSubresource()) {
        resource(
            resources, type.plural() + "/exec", type, "PodExecOptions", List.of("create", "get"));
      }
    }
    return Optional.of(list.toString());
  }

  /**
   * {@code /openapi/v3} and its group-version documents, for the custom resources: built-in types
   * have none, so kubectl validates and explains those without the server's help.
   */
  static Optional<String> openApiV3(List<ResourceType> types, String path) {
    List<OpenApiV3.Resource> resources =
        types.stream()
            .filter(t -> t.schema() != null)
            .map(
                t ->
                    new OpenApiV3.Resource(
                        t.group(),
                        t.version(),
                        t.kind(),
                        t.plural(),
                        t.namespaced(),
                        t.statusSubresource(),
                        t.schema()))
            .toList();
    if (path.equals("/openapi/v3")) {
      return Optional.of(OpenApiV3.index(resources));
    }
    return OpenApiV3.groupVersion(resources, path.substring("/openapi/v3/".length()));
  }

  private static ObjectNode resource(
      ArrayNode resources, String name, ResourceType type, String kind, List<String> verbs) {
    ObjectNode resource = resources.addObject();
    resource.put("name", name);
    resource.put("singularName", "");
    resource.put("namespaced", type.namespaced());
    resource.put("kind", kind);
    verbs.forEach(resource.putArray("verbs")::add);
    return resource;
  }

  private static Map<String, Set<String>> versionsByGroup(List<ResourceType> types) {
    Map<String, Set<String>> groups = new LinkedHashMap<>();
    types.stream()
        .filter(t -> !t.group().isEmpty())
        .forEach(
            t -> groups.computeIfAbsent(t.group(), g -> new LinkedHashSet<>()).add(t.version()));
    return groups;
  }

  private static ObjectNode group(String name, Set<String> versions) {
    ObjectNode group = JSON.createObjectNode();
    group.put("name", name);
    ArrayNode list = group.putArray("versions");
    for (String version : versions) {
      ObjectNode entry = list.addObject();
      entry.put("groupVersion", name + "/" + version);
      entry.put("version", version);
    }
    group.set("preferredVersion", list.get(0).deepCopy());
    return group;
  }
}
