package dev.exectask.sandbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One served version of a CRD, enforced on writes as an API server enforces it: unknown fields
 * pruned (refused under {@code fieldValidation=Strict}, warned of otherwise), nulls dropped, {@code
 * default}s filled in, then the OpenAPI checks and the CEL rules, transition rules against the
 * stored object; on update, what is unchanged is not checked again (ratcheting).
 */
public final class CustomResourceSchema {

  /** The {@code fieldValidation} query parameter. */
  public enum FieldValidation {
    IGNORE,
    WARN,
    STRICT;

    /** The API server's default, when the request names none, is to warn. */
    public static FieldValidation of(String parameter) {
      if (parameter == null || parameter.isEmpty()) {
        return WARN;
      }
      return switch (parameter) {
        case "Ignore" -> IGNORE;
        case "Warn" -> WARN;
        case "Strict" -> STRICT;
        default ->
            throw new IllegalArgumentException(
                "fieldValidation must be one of \"Ignore\", \"Warn\" or \"Strict\", not \""
                    + parameter
                    + "\"");
      };
    }
  }

  private final String group;
  private final String version;
  private final String kind;
  private final JsonNode schema;
  private final boolean statusSubresource;

  /** The API server has a CEL validator, and so says when it skipped it, only if rules exist. */
  private final boolean hasRules;

  public CustomResourceSchema(
      String group, String version, String kind, JsonNode schema, boolean statusSubresource) {
    this.group = Objects.requireNonNull(group);
    this.version = Objects.requireNonNull(version);
    this.kind = Objects.requireNonNull(kind);
    this.schema = Objects.requireNonNull(schema);
    this.statusSubresource = statusSubresource;
    this.hasRules = schema.findValue("x-kubernetes-validations") != null;
  }

  /**
   * Admits a write of the main resource: {@code object} is pruned and defaulted in place. {@code
   * old} is the stored object on update, null on create. Returns the warnings to send.
   *
   * @throws RejectedWrite when the object is invalid
   */
  public List<String> admit(ObjectNode object, JsonNode old, FieldValidation fieldValidation) {
    JsonNode checked = schema;
    JsonNode status = null;
    if (statusSubresource && schema.path("properties").has("status")) {
      // The status is the status subresource's to write and check: the store keeps the stored one.
      ObjectNode withoutStatus = schema.deepCopy();
      withoutStatus.with("properties").remove("status");
      checked = withoutStatus;
      status = object.remove("status");
    }
    try {
      List<String> warnings =
          unknownFields(StructuralSchema.prune(checked, object, "", true), fieldValidation);
      StructuralSchema.applyDefaults(checked, object);
      JsonNode stored = asRead(checked, old);
      check(object, checked, object, stored, "");
      return warnings;
    } finally {
      if (status != null) {
        object.set("status", status);
      }
    }
  }

  /**
   * Admits a write of the status subresource: only {@code status} is pruned, defaulted and checked.
   *
   * @throws RejectedWrite when the status is invalid
   */
  public List<String> admitStatus(
      ObjectNode object, JsonNode old, FieldValidation fieldValidation) {
    JsonNode statusSchema = schema.path("properties").path("status");
    JsonNode status = object.get("status");
    if (statusSchema.isMissingNode() || status == null) {
      return List.of();
    }
    if (status.isNull()) {
      object.remove("status");
      return List.of();
    }
    List<String> warnings =
        unknownFields(
            StructuralSchema.prune(statusSchema, status, "status", false), fieldValidation);
    StructuralSchema.applyDefaults(statusSchema, status);
    JsonNode oldStatus = old == null ? null : asRead(statusSchema, old.get("status"));
    check(object, statusSchema, status, oldStatus, "status");
    return warnings;
  }

  /** The OpenAPI checks, then the CEL rules unless the value is too malformed for them. */
  private void check(
      ObjectNode object, JsonNode schema, JsonNode value, JsonNode old, String path) {
    List<FieldError> errors = new ArrayList<>(SchemaValidation.validate(schema, value, old, path));
    boolean blocked = errors.stream().anyMatch(e -> e.type().blocksRules());
    if (hasRules && blocked) {
      errors.add(
          FieldError.invalid(
              null,
              null,
              "some validation rules were not checked because the object was invalid; correct the"
                  + " existing errors to complete validation"));
    } else if (hasRules) {
      errors.addAll(CelRules.validate(schema, value, old, path));
    }
    if (!errors.isEmpty()) {
      throw RejectedWrite.invalid(group, kind, name(object), errors);
    }
  }

  private List<String> unknownFields(List<String> pruned, FieldValidation fieldValidation) {
    if (pruned.isEmpty() || fieldValidation == FieldValidation.IGNORE) {
      return List.of();
    }
    List<String> unknown = pruned.stream().sorted().toList();
    if (fieldValidation == FieldValidation.STRICT) {
      throw RejectedWrite.unknownFields(version, kind, unknown);
    }
    return unknown.stream().map(RejectedWrite::unknownField).toList();
  }

  /** The stored object as the API server reads it: defaulted (the defaults may be newer). */
  private static JsonNode asRead(JsonNode schema, JsonNode stored) {
    if (stored == null) {
      return null;
    }
    JsonNode copy = stored.deepCopy();
    StructuralSchema.applyDefaults(schema, copy);
    return copy;
  }

  private static String name(JsonNode object) {
    JsonNode metadata = object.path("metadata");
    return metadata.path("name").asText(metadata.path("generateName").asText(""));
  }
}
