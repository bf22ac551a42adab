package dev.exectask.sandbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The uniqueness of {@code x-kubernetes-list-type: set} and {@code map} lists, reported as the API
 * server's {@code ValidateListSetsAndMaps} does (the duplicate keys printed as Go prints a map).
 */
final class ListTypes {

  private ListTypes() {}

  static void check(JsonNode schema, JsonNode list, String path, List<FieldError> errors) {
    String listType = schema.path("x-kubernetes-list-type").asText("");
    if (listType.equals("set")) {
      Set<JsonNode> seen = new HashSet<>();
      for (int i = 0; i < list.size(); i++) {
        if (!seen.add(list.get(i))) {
          errors.add(
              new FieldError(FieldError.Type.DUPLICATE, Paths.index(path, i), list.get(i), ""));
        }
      }
    } else if (listType.equals("map")) {
      List<String> keys = new ArrayList<>();
      schema.path("x-kubernetes-list-map-keys").forEach(k -> keys.add(k.asText()));
      Set<List<JsonNode>> seen = new HashSet<>();
      for (int i = 0; i < list.size(); i++) {
        JsonNode item = list.get(i);
        List<JsonNode> key = new ArrayList<>();
        StringBuilder printed = new StringBuilder("map[string]interface {}{");
        for (String name : keys) {
          JsonNode keyValue = item.get(name);
          if (keyValue == null) {
            keyValue = schema.path("items").path("properties").path(name).get("default");
          }
          key.add(keyValue);
          if (printed.charAt(printed.length() - 1) != '{') {
            printed.append(", ");
          }
          printed
              .append(GoStrings.quote(name))
              .append(':')
              .append(
                  keyValue != null && keyValue.isTextual()
                      ? GoStrings.quote(keyValue.textValue())
                      : String.valueOf(keyValue));
        }
        if (!seen.add(key)) {
          errors.add(
              new FieldError(
                  FieldError.Type.DUPLICATE,
                  Paths.index(path, i),
                  new Printed(printed.append('}').toString()),
                  ""));
        }
      }
    }
  }

  /** A value the message shows as it is, not quoted (Go's {@code %#v} of a map). */
  record Printed(String text) {
    @Override
    public String toString() {
      return text;
    }
  }
}
