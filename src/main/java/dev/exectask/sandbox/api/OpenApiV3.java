package dev.exectask.sandbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The OpenAPI v3 documents an API server publishes for its custom resources, built from their CRDs:
 * {@code kubectl explain} reads the schemas, {@code kubectl apply} the PATCH operation's {@code
 * fieldValidation} parameter (without it, kubectl does not ask the server to validate).
 */
public final class OpenApiV3 {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String META = "io.k8s.apimachinery.pkg.apis.meta.v1.";

  /** One served version of a custom resource. */
  public record Resource(
      String group,
      String version,
      String kind,
      String plural,
      boolean namespaced,
      boolean statusSubresource,
      JsonNode schema) {

    String groupVersionPath() {
      return "apis/" + group + "/" + version;
    }

    /** The API server's name for the schema: the group reversed, the version, the kind. */
    String schemaName() {
      List<String> parts = new java.util.ArrayList<>(List.of(group.split("\\.")));
      java.util.Collections.reverse(parts);
      return String.join(".", parts) + "." + version + "." + kind;
    }
  }

  private OpenApiV3() {}

  /** {@code /openapi/v3}: every group-version and where its document is. */
  public static String index(List<Resource> resources) {
    Map<String, List<Resource>> byGroupVersion = byGroupVersion(resources);
    ObjectNode index = JSON.createObjectNode();
    ObjectNode paths = index.putObject("paths");
    byGroupVersion.forEach(
        (path, served) ->
            paths
                .putObject(path)
                .put(
                    "serverRelativeURL",
                    "/openapi/v3/" + path + "?hash=" + hash(document(served).toString())));
    return index.toString();
  }

  /** {@code /openapi/v3/apis/GROUP/VERSION}, or empty when no custom resource is served there. */
  public static Optional<String> groupVersion(List<Resource> resources, String path) {
    List<Resource> served = byGroupVersion(resources).get(path);
    return served == null ? Optional.empty() : Optional.of(document(served).toString());
  }

  private static Map<String, List<Resource>> byGroupVersion(List<Resource> resources) {
    Map<String, List<Resource>> byGroupVersion = new LinkedHashMap<>();
    resources.stream()
        .filter(r -> r.schema() != null)
        .forEach(
            r ->
                byGroupVersion
                    .computeIfAbsent(r.groupVersionPath(), k -> new java.util.ArrayList<>())
                    .add(r));
    return byGroupVersion;
  }

  private static ObjectNode document(List<Resource> served) {
    ObjectNode document = JSON.createObjectNode();
    document.put("openapi", "3.0.0");
    document.putObject("info").put("title", "Kubernetes").put("version", "unversioned");
    ObjectNode paths = document.putObject("paths");
    ObjectNode schemas = document.putObject("components").putObject("schemas");
    for (Resource resource : served) {
      schemas.set(resource.schemaName(), objectSchema(resource));
      schemas.set(resource.schemaName() + "List", listSchema(resource));
      addPaths(paths, resource);
    }
    schemas.set(META + "ObjectMeta", objectMeta());
    schemas.set(META + "ListMeta", listMeta());
    schemas.set(META + "Patch", patchSchema());
    return document;
  }

  private static ObjectNode objectSchema(Resource resource) {
    ObjectNode schema = resource.schema().deepCopy();
    ObjectNode properties = JSON.createObjectNode();
    properties.set("apiVersion", apiVersionProperty());
    properties.set("kind", kindProperty());
    ObjectNode metadata = properties.putObject("metadata");
    metadata
        .putArray("allOf")
        .addObject()
        .put("$ref", "#/components/schemas/" + META + "ObjectMeta");
    metadata.put(
        "description",
        "Standard object's metadata. More info:"
            + " https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata");
    schema
        .path("properties")
        .fields()
        .forEachRemaining(f -> properties.set(f.getKey(), f.getValue()));
    schema.set("properties", properties);
    groupVersionKinds(schema, resource, resource.kind());
    return schema;
  }

  private static ObjectNode listSchema(Resource resource) {
    ObjectNode schema = JSON.createObjectNode();
    schema.put("description", resource.kind() + "List is a list of " + resource.kind());
    schema.put("type", "object");
    schema.putArray("required").add("items");
    ObjectNode properties = schema.putObject("properties");
    properties.set("apiVersion", apiVersionProperty());
    ObjectNode items = properties.putObject("items");
    items.put("description", "List of " + resource.plural() + ".");
    items.put("type", "array");
    items.putObject("items").put("$ref", "#/components/schemas/" + resource.schemaName());
    properties.set("kind", kindProperty());
    ObjectNode metadata = properties.putObject("metadata");
    metadata.putArray("allOf").addObject().put("$ref", "#/components/schemas/" + META + "ListMeta");
    groupVersionKinds(schema, resource, resource.kind() + "List");
    return schema;
  }

  private static void groupVersionKinds(ObjectNode schema, Resource resource, String kind) {
    ArrayNode kinds = schema.putArray("x-kubernetes-group-version-kind");
    kinds.add(gvk(resource, kind));
  }

  private static ObjectNode gvk(Resource resource, String kind) {
    ObjectNode gvk = JSON.createObjectNode();
    gvk.put("group", resource.group());
    gvk.put("kind", kind);
    gvk.put("version", resource.version());
    return gvk;
  }

  /** The operations kubectl looks at: PATCH with its query parameters, and the others by name. */
  private static void addPaths(ObjectNode paths, Resource resource) {
    String base = "/" + resource.groupVersionPath();
    String collection =
        base + (resource.namespaced() ? "/namespaces/{namespace}/" : "/") + resource.plural();
    String ref = "#/components/schemas/" + resource.schemaName();
    ObjectNode collectionPath = paths.putObject(collection);
    collectionPath.set("get", operation(resource, "list", ref + "List", List.of()));
    collectionPath.set(
        "post",
        operation(resource, "create", ref, List.of("dryRun", "fieldManager", "fieldValidation")));
    String item = collection + "/{name}";
    ObjectNode itemPath = paths.putObject(item);
    itemPath.set("get", operation(resource, "read", ref, List.of()));
    itemPath.set(
        "put",
        operation(resource, "replace", ref, List.of("dryRun", "fieldManager", "fieldValidation")));
    itemPath.set(
        "patch",
        operation(
            resource, "patch", ref, List.of("dryRun", "fieldManager", "fieldValidation", "force")));
    itemPath.set("delete", operation(resource, "delete", null, List.of("dryRun")));
    if (resource.statusSubresource()) {
      ObjectNode statusPath = paths.putObject(item + "/status");
      statusPath.set("get", operation(resource, "read", ref, List.of()));
      statusPath.set(
          "patch",
          operation(
              resource,
              "patch",
              ref,
              List.of("dryRun", "fieldManager", "fieldValidation", "force")));
    }
  }

  private static ObjectNode operation(
      Resource resource, String verb, String ref, List<String> queryParameters) {
    ObjectNode operation = JSON.createObjectNode();
    operation.put(
        "operationId", verb + (resource.namespaced() ? "Namespaced" : "") + resource.kind());
    operation.set("x-kubernetes-group-version-kind", gvk(resource, resource.kind()));
    operation.put("x-kubernetes-action", verb.equals("read") ? "get" : verb);
    ArrayNode parameters = operation.putArray("parameters");
    for (String name : queryParameters) {
      ObjectNode parameter = parameters.addObject();
      parameter.put("name", name);
      parameter.put("in", "query");
      parameter.putObject("schema").put("type", name.equals("force") ? "boolean" : "string");
      parameter.put("uniqueItems", true);
    }
    ObjectNode ok = operation.putObject("responses").putObject("200");
    ok.put("description", "OK");
    if (ref != null) {
      ok.putObject("content").putObject("application/json").putObject("schema").put("$ref", ref);
    }
    return operation;
  }

  private static ObjectNode apiVersionProperty() {
    ObjectNode apiVersion = JSON.createObjectNode();
    apiVersion.put(
        "description",
        "APIVersion defines the versioned schema of this representation of an object. Servers"
            + " should convert recognized schemas to the latest internal value, and may reject"
            + " unrecognized values. More info:"
            + " https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources");
    apiVersion.put("type", "string");
    return apiVersion;
  }

  private static ObjectNode kindProperty() {
    ObjectNode kind = JSON.createObjectNode();
    kind.put(
        "description",
        "Kind is a string value representing the REST resource this object represents. Servers"
            + " may infer this from the endpoint the client submits requests to. Cannot be"
            + " updated. In CamelCase. More info:"
            + " https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds");
    kind.put("type", "string");
    return kind;
  }

  /** The fields of ObjectMeta a user writes, with the API server's descriptions shortened. */
  private static ObjectNode objectMeta() {
    ObjectNode meta = JSON.createObjectNode();
    meta.put(
        "description",
        "ObjectMeta is metadata that all persisted resources must have, which includes all"
            + " objects users must create.");
    meta.put("type", "object");
    ObjectNode properties = meta.putObject("properties");
    stringProperty(
        properties, "name", "Name must be unique within a namespace. Cannot be updated.");
    stringProperty(
        properties,
        "generateName",
        "GenerateName is an optional prefix, used by the server, to generate a unique name ONLY"
            + " IF the Name field has not been provided.");
    stringProperty(
        properties,
        "namespace",
        "Namespace defines the space within which each name must be unique.");
    mapProperty(
        properties,
        "labels",
        "Map of string keys and values that can be used to organize and categorize (scope and"
            + " select) objects.");
    mapProperty(
        properties,
        "annotations",
        "Annotations is an unstructured key value map stored with a resource that may be set by"
            + " external tools to store and retrieve arbitrary metadata.");
    ObjectNode finalizers = properties.putObject("finalizers");
    finalizers.put(
        "description",
        "Must be empty before the object is deleted from the registry. Each entry is an"
            + " identifier for the responsible component that will remove the entry from the list.");
    finalizers.put("type", "array");
    finalizers.putObject("items").put("type", "string");
    stringProperty(properties, "uid", "UID is the unique in time and space value for this object.");
    stringProperty(
        properties,
        "resourceVersion",
        "An opaque value that represents the internal version of this object.");
    ObjectNode generation = properties.putObject("generation");
    generation.put(
        "description",
        "A sequence number representing a specific generation of the desired state.");
    generation.put("type", "integer");
    generation.put("format", "int64");
    stringProperty(
        properties,
        "creationTimestamp",
        "CreationTimestamp is a timestamp representing the server time when this object was"
            + " created.");
    stringProperty(
        properties,
        "deletionTimestamp",
        "DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted.");
    return meta;
  }

  private static ObjectNode listMeta() {
    ObjectNode meta = JSON.createObjectNode();
    meta.put(
        "description",
        "ListMeta describes metadata that synthetic resources must have, including lists.");
    meta.put("type", "object");
    ObjectNode properties = meta.putObject("properties");
    stringProperty(properties, "continue", "continue may be set if the user set a limit.");
    stringProperty(
        properties,
        "resourceVersion",
        "String that identifies the server's internal version of this object.");
    return meta;
  }

  private static ObjectNode patchSchema() {
    ObjectNode patch = JSON.createObjectNode();
    patch.put(
        "description",
        "Patch is provided to give a concrete name and type to the Kubernetes PATCH request"
            + " body.");
    patch.put("type", "object");
    return patch;
  }

  private static void stringProperty(ObjectNode properties, String name, String description) {
    properties.putObject(name).put("description", description).put("type", "string");
  }

  private static void mapProperty(ObjectNode properties, String name, String description) {
    ObjectNode map = properties.putObject(name);
    map.put("description", description);
    map.put("type", "object");
    map.putObject("additionalProperties").put("type", "string").put("default", "");
  }

  private static String hash(String document) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-512").digest(document.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().withUpperCase().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-512 is part of every Java runtime", e);
    }
  }
}
