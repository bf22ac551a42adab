package dev.exectask.sandbox.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** A write the schema refused, with the {@code Status} the API server answers it with. */
public final class RejectedWrite extends RuntimeException {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final int code;
  private final transient ObjectNode status;

  private RejectedWrite(int code, ObjectNode status) {
    super(status.path("message").asText(), null, false, false);
    this.code = code;
    this.status = status;
  }

  /** The HTTP status code: 422 for an invalid object, 400 for a strictly decoded unknown field. */
  public int code() {
    return code;
  }

  /** The {@code metav1.Status} body. */
  public String body() {
    return status.toString();
  }

  /** The causes, each {@code reason}, {@code message} and {@code field}, as {@code NewInvalid}. */
  static RejectedWrite invalid(String group, String kind, String name, List<FieldError> errors) {
    ObjectNode details = JSON.createObjectNode();
    details.put("name", name);
    details.put("group", group);
    details.put("kind", kind);
    ArrayNode causes = details.putArray("causes");
    // An aggregate drops repeated messages, as the API server's ToAggregate does.
    Set<String> texts = new LinkedHashSet<>();
    for (FieldError error : errors) {
      ObjectNode cause = causes.addObject();
      cause.put("reason", error.type().reason());
      cause.put("message", error.body());
      cause.put("field", error.field());
      texts.add(error.text());
    }
    String joined =
        texts.size() == 1 ? texts.iterator().next() : "[" + String.join(", ", texts) + "]";
    String qualifiedKind = group.isEmpty() ? kind : kind + "." + group;
    return new RejectedWrite(
        422,
        status(422, "Invalid", qualifiedKind + " \"" + name + "\" is invalid: " + joined, details));
  }

  /** Unknown fields under {@code fieldValidation=Strict}, worded as the strict decoder does. */
  static RejectedWrite unknownFields(String version, String kind, List<String> fields) {
    StringBuilder message =
        new StringBuilder(kind)
            .append(" in version \"")
            .append(version)
            .append("\" cannot be handled as a ")
            .append(kind)
            .append(": strict decoding error: ");
    for (int i = 0; i < fields.size(); i++) {
      message.append(i == 0 ? "" : ", ").append(unknownField(fields.get(i)));
    }
    return new RejectedWrite(400, status(400, "BadRequest", message.toString(), null));
  }

  static String unknownField(String path) {
    return "unknown field " + GoStrings.quote(path);
  }

  private static ObjectNode status(int code, String reason, String message, ObjectNode details) {
    ObjectNode status = JSON.createObjectNode();
    status.put("kind", "Status");
    status.put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Failure");
    status.put("message", message);
    status.put("reason", reason);
    if (details != null) {
      status.set("details", details);
    }
    status.put("code", code);
    return status;
  }
}
