package dev.exectask.sandbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the API server does to a custom resource before it validates it, read from a structural
 * {@code openAPIV3Schema}: unknown fields are pruned (and reported), nulls of fields that are not
 * nullable dropped, and {@code default}s filled in, at every depth.
 */
final class StructuralSchema {

  /** The fields every object has whatever its schema says; the API server handles them itself. */
  private static final Set<String> ROOT_FIELDS = Set.of("apiVersion", "kind", "metadata");

  private StructuralSchema() {}

  /** Removes what the schema does not declare; returns the paths of the removed fields. */
  static List<String> prune(JsonNode schema, JsonNode value, String path, boolean root) {
    List<String> unknown = new ArrayList<>();
    prune(schema, value, path, root, unknown);
    return unknown;
  }

  private static void prune(
      JsonNode schema, JsonNode value, String path, boolean root, List<String> unknown) {
    if (schema == null || schema.isMissingNode() || value == null) {
      return;
    }
    if (value instanceof ObjectNode object) {
      JsonNode properties = schema.path("properties");
      JsonNode additional = schema.get("additionalProperties");
      boolean preserve = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false);
      Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        String name = field.getKey();
        String childPath = Paths.child(path, name);
        if (root && ROOT_FIELDS.contains(name)) {
          continue;
        }
        JsonNode childSchema = properties.get(name);
        if (childSchema == null && additional != null && additional.isObject()) {
          childSchema = additional;
        }
        if (childSchema == null) {
          if (!preserve && !(additional != null && additional.asBoolean(false))) {
            unknown.add(childPath);
            fields.remove();
          }
          continue;
        }
        if (field.getValue().isNull() && !childSchema.path("nullable").asBoolean(false)) {
          fields.remove();
          continue;
        }
        prune(childSchema, field.getValue(), childPath, false, unknown);
      }
    } else if (value instanceof ArrayNode array) {
      JsonNode items = schema.get("items");
      for (int i = 0; i < array.size(); i++) {
        prune(items, array.get(i), path + "[" + i + "]", false, unknown);
      }
    }
  }

  /** Fills in the schema's defaults where a field is absent, then defaults inside them too. */
  static void applyDefaults(JsonNode schema, JsonNode value) {
    if (schema == null || schema.isMissingNode() || value == null) {
      return;
    }
    if (value instanceof ObjectNode object) {
      schema
          .path("properties")
          .fields()
          .forEachRemaining(
              property -> {
                JsonNode defaultValue = property.getValue().get("default");
                if (!object.has(property.getKey()) && defaultValue != null) {
                  object.set(property.getKey(), defaultValue.deepCopy());
                }
              });
      JsonNode additional = schema.get("additionalProperties");
      object
          .fields()
          .forEachRemaining(
              field -> {
                JsonNode childSchema = schema.path("properties").get(field.getKey());
                if (childSchema == null && additional != null && additional.isObject()) {
                  childSchema = additional;
                }
                applyDefaults(childSchema, field.getValue());
              });
    } else if (value instanceof ArrayNode array) {
      JsonNode items = schema.get("items");
      array.forEach(item -> applyDefaults(items, item));
    }
  }
}
