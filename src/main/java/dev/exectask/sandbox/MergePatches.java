package dev.exectask.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The patch formats the CRUD mock lacks, reduced to JSON merge patches (RFC 7386): strategic merge
 * patches (lists of named objects merged by name, directives dropped) and server-side apply (fields
 * the same manager applied before and now omits are removed, as apply removes what a manager no
 * longer owns).
 */
final class MergePatches {

  private static final Set<String> IDENTITY_FIELDS =
      Set.of(
          "apiVersion",
          "kind",
          "metadata.name",
          "metadata.namespace",
          "metadata.resourceVersion",
          "metadata.uid",
          "metadata.generation",
          "metadata.creationTimestamp",
          "metadata.managedFields");

  private MergePatches() {}

  /** RFC 7386: objects merge recursively, {@code null} removes, anything else replaces. */
  static JsonNode merge(JsonNode target, JsonNode patch) {
    return merge(target, patch, false);
  }

  /** A strategic merge patch read as a merge patch, lists of named objects merged by name. */
  static JsonNode mergeStrategic(JsonNode target, JsonNode patch) {
    return merge(target, patch, true);
  }

  /**
   * The merge patch equivalent to applying {@code applied}, given what the same field manager
   * applied last time.
   */
  static JsonNode applyPatch(JsonNode previouslyApplied, JsonNode applied) {
    JsonNode patch = applied.deepCopy();
    if (patch.path("metadata").isObject()) {
      ((ObjectNode) patch.path("metadata")).remove("managedFields");
    }
    if (previouslyApplied != null && patch.isObject() && previouslyApplied.isObject()) {
      addRemovals((ObjectNode) patch, previouslyApplied, "");
    }
    return patch;
  }

  /** What an apply to the status subresource patches: the status stanza alone. */
  static JsonNode applyStatusPatch(JsonNode previouslyApplied, JsonNode applied) {
    ObjectNode patch = JsonNodeFactory.instance.objectNode();
    JsonNode status = applied.get("status");
    if (status == null) {
      return patch;
    }
    patch.set("status", status.deepCopy());
    if (status.isObject()
        && previouslyApplied != null
        && previouslyApplied.path("status").isObject()) {
      addRemovals((ObjectNode) patch.get("status"), previouslyApplied.get("status"), "status.");
    }
    return patch;
  }

  private static void addRemovals(ObjectNode patch, JsonNode previous, String prefix) {
    Iterator<Map.Entry<String, JsonNode>> fields = previous.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      String path = prefix + field.getKey();
      if (IDENTITY_FIELDS.contains(path)) {
        continue;
      }
      JsonNode now = patch.get(field.getKey());
      if (now == null) {
        patch.putNull(field.getKey());
      } else if (now.isObject() && field.getValue().isObject()) {
        addRemovals((ObjectNode) now, field.getValue(), path + ".");
      }
    }
  }

  private static JsonNode merge(JsonNode target, JsonNode patch, boolean strategic) {
    if (!patch.isObject()) {
      if (strategic && patch.isArray() && target != null && target.isArray()) {
        return mergeNamedList((ArrayNode) target, (ArrayNode) patch);
      }
      return withoutDirectives(patch.deepCopy(), strategic);
    }
    ObjectNode result =
        target != null && target.isObject()
            ? ((ObjectNode) target).deepCopy()
            : JsonNodeFactory.instance.objectNode();
    Iterator<Map.Entry<String, JsonNode>> fields = patch.fields();
    while (fields.hasNext()) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (strategic && field.getKey().startsWith("$")) {
        continue;
      }
      if (field.getValue().isNull()) {
        result.remove(field.getKey());
      } else {
        result.set(field.getKey(), merge(result.get(field.getKey()), field.getValue(), strategic));
      }
    }
    return result;
  }

  /** Lists whose items all carry a {@code name} merge item by item, as containers and env do. */
  private static JsonNode mergeNamedList(ArrayNode target, ArrayNode patch) {
    if (!allNamed(target) || !allNamed(patch)) {
      return withoutDirectives(patch.deepCopy(), true);
    }
    Map<String, JsonNode> merged = new LinkedHashMap<>();
    target.forEach(item -> merged.put(item.get("name").asText(), item));
    List<String> deleted = new ArrayList<>();
    for (JsonNode item : patch) {
      String name = item.get("name").asText();
      if ("delete".equals(item.path("$patch").asText())) {
        deleted.add(name);
      } else {
        merged.put(name, merge(merged.get(name), item, true));
      }
    }
    deleted.forEach(merged::remove);
    ArrayNode result = JsonNodeFactory.instance.arrayNode();
    merged.values().forEach(result::add);
    return result;
  }

  private static boolean allNamed(ArrayNode list) {
    for (JsonNode item : list) {
      if (!item.isObject() || !item.path("name").isTextual()) {
        return false;
      }
    }
    return true;
  }

  private static JsonNode withoutDirectives(JsonNode node, boolean strategic) {
    if (strategic && node.isObject()) {
      ((ObjectNode) node).properties().removeIf(e -> e.getKey().startsWith("$"));
      node.forEach(child -> withoutDirectives(child, true));
    } else if (strategic && node.isArray()) {
      node.forEach(child -> withoutDirectives(child, true));
    }
    return node;
  }
}
