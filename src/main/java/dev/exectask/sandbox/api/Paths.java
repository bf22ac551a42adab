package dev.exectask.sandbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Field paths as the API server writes them: {@code spec.env[0].name}. */
final class Paths {

  private Paths() {}

  /**
   * The fields of an object in the schema's order, then the ones it does not declare: errors come
   * in the same order whatever order the client wrote the fields in.
   */
  static List<String> fieldsInSchemaOrder(JsonNode schema, JsonNode object) {
    Set<String> names = new LinkedHashSet<>();
    schema
        .path("properties")
        .fieldNames()
        .forEachRemaining(
            n -> {
              if (object.has(n)) {
                names.add(n);
              }
            });
    object.fieldNames().forEachRemaining(names::add);
    return List.copyOf(names);
  }

  static String child(String path, String name) {
    return path == null || path.isEmpty() ? name : path + "." + name;
  }

  static String index(String path, int index) {
    return path + "[" + index + "]";
  }
}
