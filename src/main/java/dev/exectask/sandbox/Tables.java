package dev.exectask.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Server-side printing ({@code meta.k8s.io/v1 Table}), which {@code kubectl get} asks for: the
 * printer columns of a CRD, and the familiar columns of pods, namespaces and events.
 */
final class Tables {

  private static final ObjectMapper JSON = new ObjectMapper();

  private Tables() {}

  /** True when the Accept header asks for a Table. */
  static boolean wanted(String accept) {
    return accept != null && accept.contains("as=Table");
  }

  private record Column(
      String name, String type, String format, int priority, Function<JsonNode, Object> cell) {}

  static ObjectNode table(
      ResourceType type,
      List<JsonNode> objects,
      String resourceVersion,
      String includeObject,
      Instant now) {
    List<Column> columns = columns(type, now);
    ObjectNode table = JSON.createObjectNode();
    table.put("kind", "Table");
    table.put("apiVersion", "meta.k8s.io/v1");
    table.putObject("metadata").put("resourceVersion", resourceVersion);
    ArrayNode definitions = table.putArray("columnDefinitions");
    for (Column column : columns) {
      ObjectNode definition = definitions.addObject();
      definition.put("name", column.name());
      definition.put("type", column.type());
      definition.put("format", column.format());
      definition.put("description", "");
      definition.put("priority", column.priority());
    }
    ArrayNode rows = table.putArray("rows");
    for (JsonNode object : objects) {
      ObjectNode row = rows.addObject();
      ArrayNode cells = row.putArray("cells");
      columns.forEach(c -> cells.addPOJO(c.cell().apply(object)));
      if ("Object".equals(includeObject)) {
        row.set("object", object);
      } else if (!"None".equals(includeObject)) {
        ObjectNode partial = row.putObject("object");
        partial.put("kind", "PartialObjectMetadata");
        partial.put("apiVersion", "meta.k8s.io/v1");
        partial.set("metadata", object.path("metadata"));
      }
    }
    return table;
  }

  private static List<Column> columns(ResourceType type, Instant now) {
    List<Column> columns = new ArrayList<>();
    columns.add(
        new Column("Name", "string", "name", 0, o -> o.path("metadata").path("name").asText()));
    Column age =
        new Column(
            "Age", "string", "", 0, o -> age(o.path("metadata").path("creationTimestamp"), now));
    if (type != null && type.printerColumns() != null && !type.printerColumns().isEmpty()) {
      for (JsonNode printer : type.printerColumns()) {
        String columnType = printer.path("type").asText("string");
        String path = printer.path("jsonPath").asText();
        columns.add(
            new Column(
                printer.path("name").asText(),
                columnType,
                printer.path("format").asText(""),
                printer.path("priority").asInt(0),
                o -> cell(find(o, path), columnType, now)));
      }
      return columns;
    }
    String kind = type == null ? "" : type.group() + "/" + type.kind();
    switch (kind) {
      case "/Pod" -> {
        columns.add(new Column("Ready", "string", "", 0, Tables::podReady));
        columns.add(new Column("Status", "string", "", 0, Tables::podStatus));
        columns.add(new Column("Restarts", "string", "", 0, Tables::podRestarts));
        columns.add(age);
        columns.add(new Column("IP", "string", "", 1, o -> text(o.path("status").path("podIP"))));
        columns.add(
            new Column("Node", "string", "", 1, o -> text(o.path("spec").path("nodeName"))));
      }
      case "/Namespace" -> {
        columns.add(
            new Column(
                "Status", "string", "", 0, o -> o.path("status").path("phase").asText("Active")));
        columns.add(age);
      }
      case "/Event" -> {
        columns.clear();
        columns.add(new Column("Last Seen", "string", "", 0, o -> age(lastSeen(o), now)));
        columns.add(new Column("Type", "string", "", 0, o -> text(o.path("type"))));
        columns.add(new Column("Reason", "string", "", 0, o -> text(o.path("reason"))));
        columns.add(new Column("Object", "string", "", 0, Tables::involvedObject));
        columns.add(new Column("Message", "string", "", 0, o -> text(o.path("message"))));
      }
      default -> columns.add(age);
    }
    return columns;
  }

  private static Object cell(JsonNode value, String type, Instant now) {
    if (value == null || value.isMissingNode() || value.isNull()) {
      return null;
    }
    return switch (type) {
      case "integer" -> value.asLong();
      case "number" -> value.asDouble();
      case "boolean" -> value.asBoolean();
      case "date" -> age(value, now);
      default -> value.isValueNode() ? value.asText() : value.toString();
    };
  }

  /** The simple JSONPaths printer columns use: {@code .status.phase}, {@code .items[0].name}. */
  static JsonNode find(JsonNode object, String jsonPath) {
    JsonNode node = object;
    for (String part : jsonPath.replaceAll("^\\{?\\.?", "").replaceAll("}$", "").split("\\.")) {
      if (part.isEmpty()) {
        continue;
      }
      int bracket = part.indexOf('[');
      String field = bracket < 0 ? part : part.substring(0, bracket);
      node = node.path(field);
      while (bracket >= 0) {
        int end = part.indexOf(']', bracket);
        node = node.path(Integer.parseInt(part.substring(bracket + 1, end)));
        bracket = part.indexOf('[', end);
      }
    }
    return node;
  }

  private static Object text(JsonNode value) {
    return value.isMissingNode() || value.isNull() ? null : value.asText();
  }

  private static Object age(JsonNode timestamp, Instant now) {
    if (timestamp == null || !timestamp.isTextual()) {
      return "<unknown>";
    }
    try {
      return humanDuration(Duration.between(Instant.parse(timestamp.asText()), now));
    } catch (DateTimeParseException e) {
      return "<invalid>";
    }
  }

  private static JsonNode lastSeen(JsonNode event) {
    for (String field : List.of("lastTimestamp", "eventTime", "firstTimestamp")) {
      if (event.path(field).isTextual()) {
        return event.path(field);
      }
    }
    return event.path("metadata").path("creationTimestamp");
  }

  private static Object involvedObject(JsonNode event) {
    JsonNode involved = event.path("involvedObject");
    if (involved.isMissingNode()) {
      involved = event.path("regarding");
    }
    return involved.path("kind").asText().toLowerCase() + "/" + involved.path("name").asText();
  }

  private static Object podReady(JsonNode pod) {
    int total = pod.path("spec").path("containers").size();
    int ready = 0;
    for (JsonNode status : pod.path("status").path("containerStatuses")) {
      ready += status.path("ready").asBoolean() ? 1 : 0;
    }
    return ready + "/" + total;
  }

  private static Object podStatus(JsonNode pod) {
    if (pod.path("metadata").hasNonNull("deletionTimestamp")) {
      return "Terminating";
    }
    for (JsonNode status : pod.path("status").path("containerStatuses")) {
      String waiting = status.path("state").path("waiting").path("reason").asText("");
      String terminated = status.path("state").path("terminated").path("reason").asText("");
      if (!waiting.isEmpty()) {
        return waiting;
      }
      if (!terminated.isEmpty()) {
        return terminated;
      }
    }
    JsonNode status = pod.path("status");
    return status.hasNonNull("reason")
        ? status.path("reason").asText()
        : status.path("phase").asText("Pending");
  }

  private static Object podRestarts(JsonNode pod) {
    long restarts = 0;
    for (JsonNode status : pod.path("status").path("containerStatuses")) {
      restarts += status.path("restartCount").asLong();
    }
    return Long.toString(restarts);
  }

  /** Kubernetes' {@code duration.HumanDuration}, which kubectl shows in AGE columns. */
  static String humanDuration(Duration d) {
    long seconds = d.getSeconds();
    if (seconds < -1) {
      return "<invalid>";
    } else if (seconds < 0) {
      return "0s";
    } else if (seconds < 60 * 2) {
      return seconds + "s";
    }
    long minutes = seconds / 60;
    if (minutes < 10) {
      long s = seconds % 60;
      return s == 0 ? minutes + "m" : minutes + "m" + s + "s";
    } else if (minutes < 60 * 3) {
      return minutes + "m";
    }
    long hours = minutes / 60;
    if (hours < 8) {
      long m = minutes % 60;
      return m == 0 ? hours + "h" : hours + "h" + m + "m";
    } else if (hours < 48) {
      return hours + "h";
    } else if (hours < 24 * 8) {
      long h = hours % 24;
      return h == 0 ? hours / 24 + "d" : hours / 24 + "d" + h + "h";
    } else if (hours < 24 * 365 * 2) {
      return hours / 24 + "d";
    } else if (hours < 24 * 365 * 8) {
      long days = (hours / 24) % 365;
      return days == 0 ? hours / 24 / 365 + "y" : hours / 24 / 365 + "y" + days + "d";
    }
    return hours / 24 / 365 + "y";
  }
}
