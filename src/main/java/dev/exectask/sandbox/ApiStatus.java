package dev.exectask.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The {@code Status} bodies of API errors, worded as the real API server words them. */
final class ApiStatus {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ApiStatus() {}

  /** An HTTP status code with its {@code Status} body. */
  record Error(int code, String body) {}

  static Error notFound(ResourcePath path) {
    return failure(
        404,
        "NotFound",
        path.qualifiedResource() + " \"" + path.name() + "\" not found",
        details(path));
  }

  static Error alreadyExists(ResourcePath path, String name) {
    ObjectNode details = details(path);
    details.put("name", name);
    return failure(
        409,
        "AlreadyExists",
        path.qualifiedResource() + " \"" + name + "\" already exists",
        details);
  }

  static Error conflict(ResourcePath path) {
    return failure(
        409,
        "Conflict",
        "Operation cannot be fulfilled on "
            + path.qualifiedResource()
            + " \""
            + path.name()
            + "\": the object has been modified; please apply your changes to the latest version"
            + " and try again",
        details(path));
  }

  static Error badRequest(String message) {
    return failure(400, "BadRequest", message, null);
  }

  static Error internalError(String message) {
    return failure(500, "InternalError", "Internal error occurred: " + message, null);
  }

  static Error notFoundResource() {
    return failure(404, "NotFound", "the server could not find the requested resource", null);
  }

  static Error unsupportedMediaType(String contentType) {
    return failure(
        415,
        "UnsupportedMediaType",
        "the body of the request was in an unknown format: " + contentType,
        null);
  }

  /** A protobuf body the sandbox cannot read: what it met, and how to send the object instead. */
  static Error undecodableProtobuf(String why) {
    return failure(
        415,
        "UnsupportedMediaType",
        "the sandbox could not read this "
            + ProtobufBodies.MEDIA_TYPE
            + " body ("
            + why
            + "); send the object as JSON or YAML instead, e.g. with --dry-run=client -o yaml |"
            + " kubectl create -f -",
        null);
  }

  static Error of(int code, String reason, String message) {
    return failure(code, reason, message, null);
  }

  static Error methodNotAllowed() {
    return failure(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
        null);
  }

  static Error invalidRequired(String kind, String name, String field) {
    ObjectNode details = JSON.createObjectNode();
    details.put("name", name);
    details.put("kind", kind);
    ObjectNode cause = details.putArray("causes").addObject();
    cause.put("reason", "FieldValueRequired");
    cause.put("message", "Required value");
    cause.put("field", field);
    return failure(
        422,
        "Invalid",
        kind + " \"" + name + "\" is invalid: " + field + ": Required value",
        details);
  }

  private static ObjectNode details(ResourcePath path) {
    ObjectNode details = JSON.createObjectNode();
    if (path.name() != null) {
      details.put("name", path.name());
    }
    if (!path.group().isEmpty()) {
      details.put("group", path.group());
    }
    details.put("kind", path.plural());
    return details;
  }

  private static Error failure(int code, String reason, String message, ObjectNode details) {
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
    return new Error(code, status.toString());
  }
}
