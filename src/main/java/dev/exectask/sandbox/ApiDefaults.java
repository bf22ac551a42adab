package dev.exectask.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** What the API server validates and defaults on create, for the types whose defaults show. */
final class ApiDefaults {

  private ApiDefaults() {}

  static void validatePod(ObjectNode pod) {
    JsonNode metadata = pod.path("metadata");
    String name = metadata.path("name").asText(metadata.path("generateName").asText());
    JsonNode containers = pod.path("spec").path("containers");
    if (!containers.isArray() || containers.isEmpty()) {
      throw new SandboxDispatcher.ApiException(
          ApiStatus.invalidRequired("Pod", name, "spec.containers"));
    }
    for (int i = 0; i < containers.size(); i++) {
      for (String field : new String[] {"name", "image"}) {
        if (containers.get(i).path(field).asText("").isEmpty()) {
          throw new SandboxDispatcher.ApiException(
              ApiStatus.invalidRequired("Pod", name, "spec.containers[" + i + "]." + field));
        }
      }
    }
  }

  /** The defaults a real API server adds to every pod, and the status it starts with. */
  static void defaultPod(ObjectNode pod) {
    ObjectNode spec = (ObjectNode) pod.get("spec");
    putIfAbsent(spec, "restartPolicy", "Always");
    if (!spec.has("terminationGracePeriodSeconds")) {
      spec.put("terminationGracePeriodSeconds", 30);
    }
    putIfAbsent(spec, "dnsPolicy", "ClusterFirst");
    putIfAbsent(spec, "schedulerName", "default-scheduler");
    putIfAbsent(spec, "serviceAccountName", "default");
    putIfAbsent(spec, "serviceAccount", spec.path("serviceAccountName").asText());
    if (!spec.has("securityContext")) {
      spec.putObject("securityContext");
    }
    for (JsonNode container : spec.path("containers")) {
      ObjectNode c = (ObjectNode) container;
      putIfAbsent(c, "imagePullPolicy", pullPolicy(c.path("image").asText()));
      putIfAbsent(c, "terminationMessagePath", "/dev/termination-log");
      putIfAbsent(c, "terminationMessagePolicy", "File");
      if (!c.has("resources")) {
        c.putObject("resources");
      }
    }
    ObjectNode status = pod.putObject("status");
    status.put("phase", "Pending");
    status.put("qosClass", "BestEffort");
  }

  static void defaultNamespace(ObjectNode namespace) {
    ObjectNode metadata = namespace.with("metadata");
    metadata.with("labels").put("kubernetes.io/metadata.name", metadata.path("name").asText());
    namespace.with("spec").putArray("finalizers").add("kubernetes");
    namespace.putObject("status").put("phase", "Active");
  }

  /** A CRD is established at once: there is no controller to wait for. */
  static void establishCrd(ObjectNode crd, Instant now) {
    String time = now.truncatedTo(ChronoUnit.SECONDS).toString();
    ObjectNode status = crd.putObject("status");
    status.set("acceptedNames", crd.path("spec").path("names").deepCopy());
    ArrayNode conditions = status.putArray("conditions");
    condition(conditions, "NamesAccepted", "NoConflicts", "no conflicts found", time);
    condition(
        conditions,
        "Established",
        "InitialNamesAccepted",
        "the initial names have been accepted",
        time);
    ArrayNode stored = status.putArray("storedVersions");
    for (JsonNode version : crd.path("spec").path("versions")) {
      if (version.path("storage").asBoolean()) {
        stored.add(version.path("name").asText());
      }
    }
  }

  /** The sandbox authorizes everything: a review says so, as a cluster-admin's would. */
  static ObjectNode allowed(ObjectNode review) {
    ObjectNode status = review.putObject("status");
    if (review.path("kind").asText().equals("SelfSubjectRulesReview")) {
      ObjectNode resources = status.putArray("resourceRules").addObject();
      resources.putArray("verbs").add("*");
      resources.putArray("apiGroups").add("*");
      resources.putArray("resources").add("*");
      ObjectNode urls = status.putArray("nonResourceRules").addObject();
      urls.putArray("verbs").add("*");
      urls.putArray("nonResourceURLs").add("*");
      status.put("incomplete", false);
    } else {
      status.put("allowed", true);
    }
    return review;
  }

  private static void condition(
      ArrayNode conditions, String type, String reason, String message, String time) {
    ObjectNode condition = conditions.addObject();
    condition.put("type", type);
    condition.put("status", "True");
    condition.put("lastTransitionTime", time);
    condition.put("reason", reason);
    condition.put("message", message);
  }

  private static String pullPolicy(String image) {
    String lastPart = image.substring(image.lastIndexOf('/') + 1);
    boolean tagged = lastPart.contains(":") || image.contains("@");
    return !tagged || image.endsWith(":latest") ? "Always" : "IfNotPresent";
  }

  private static void putIfAbsent(ObjectNode node, String field, String value) {
    if (!node.hasNonNull(field)) {
      node.put(field, value);
    }
  }
}
