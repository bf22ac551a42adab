package dev.exectask.sandbox;

import java.util.Arrays;
import java.util.Optional;

/**
 * A REST path of the Kubernetes API taken apart: {@code /api/v1/namespaces/ns/pods/name/exec} or
 * {@code /apis/group/version/plural}. Group is empty for the core group.
 */
record ResourcePath(
    String group,
    String version,
    String namespace,
    String plural,
    String name,
    String subresource) {

  static Optional<ResourcePath> parse(String path) {
    String[] segments =
        Arrays.stream(path.split("/")).filter(s -> !s.isEmpty()).toArray(String[]::new);
    String group;
    String version;
    int rest;
    if (segments.length >= 3 && segments[0].equals("api")) {
      group = "";
      version = segments[1];
      rest = 2;
    } else if (segments.length >= 4 && segments[0].equals("apis")) {
      group = segments[1];
      version = segments[2];
      rest = 3;
    } else {
      return Optional.empty();
    }
    String namespace = null;
    int remaining = segments.length - rest;
    boolean namespaceSubresource =
        remaining == 3
            && (segments[rest + 2].equals("status") || segments[rest + 2].equals("finalize"));
    if (segments[rest].equals("namespaces") && remaining >= 3 && !namespaceSubresource) {
      namespace = segments[rest + 1];
      rest += 2;
      remaining -= 2;
    }
    if (remaining > 3) {
      return Optional.empty();
    }
    return Optional.of(
        new ResourcePath(
            group,
            version,
            namespace,
            segments[rest],
            remaining > 1 ? segments[rest + 1] : null,
            remaining > 2 ? segments[rest + 2] : null));
  }

  /** {@code pods}, {@code exectasks.exectask.dev}: how error messages name the resource. */
  String qualifiedResource() {
    return group.isEmpty() ? plural : plural + "." + group;
  }

  String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  String collectionPath() {
    String prefix = group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version;
    return prefix + (namespace == null ? "" : "/namespaces/" + namespace) + "/" + plural;
  }

  String objectPath() {
    return collectionPath() + "/" + name;
  }

  /** The path without query, as the CRUD store keys it. */
  String path() {
    if (name == null) {
      return collectionPath();
    }
    return subresource == null ? objectPath() : objectPath() + "/" + subresource;
  }

  boolean isCollection() {
    return name == null;
  }

  boolean isStatus() {
    return "status".equals(subresource);
  }

  ResourcePath withName(String newName) {
    return new ResourcePath(group, version, namespace, plural, newName, null);
  }
}
