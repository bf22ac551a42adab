package dev.exectask.sandbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Objects;

/**
 * One problem with one field, worded as the API server's {@code field.Error} words it: its type
 * becomes a cause's {@code reason}, {@link #body()} its {@code message}, {@link #text()} a part of
 * the Status message.
 */
record FieldError(Type type, String field, Object value, String detail) {

  /** The value is left out of the body (a count that is unknown, for instance). */
  static final Object OMITTED = new Object();

  /** The error types of {@code k8s.io/apimachinery/pkg/util/validation/field}. */
  public enum Type {
    REQUIRED("FieldValueRequired", "Required value"),
    INVALID("FieldValueInvalid", "Invalid value"),
    TYPE_INVALID("FieldValueTypeInvalid", "Invalid value"),
    NOT_SUPPORTED("FieldValueNotSupported", "Unsupported value"),
    DUPLICATE("FieldValueDuplicate", "Duplicate value"),
    FORBIDDEN("FieldValueForbidden", "Forbidden"),
    TOO_LONG("FieldValueTooLong", "Too long"),
    TOO_MANY("FieldValueTooMany", "Too many");

    private final String reason;
    private final String words;

    Type(String reason, String words) {
      this.reason = reason;
      this.words = words;
    }

    /** The cause's {@code reason}. */
    public String reason() {
      return reason;
    }

    /**
     * Schema errors of these types keep the CEL rules from running, as the API server's {@code
     * hasBlockingErr}: the object is too malformed for them.
     */
    boolean blocksRules() {
      return this == REQUIRED
          || this == TOO_LONG
          || this == TOO_MANY
          || this == TYPE_INVALID
          || this == NOT_SUPPORTED;
    }
  }

  public FieldError {
    Objects.requireNonNull(type);
    field = field == null || field.isEmpty() ? "<nil>" : field;
    detail = detail == null ? "" : detail;
  }

  static FieldError required(String field, String detail) {
    return new FieldError(Type.REQUIRED, field, OMITTED, detail);
  }

  static FieldError invalid(String field, Object value, String detail) {
    return new FieldError(Type.INVALID, field, value, detail);
  }

  /** The message without the field, as in a cause: {@code Invalid value: 0: ...}. */
  public String body() {
    StringBuilder body = new StringBuilder(type.words);
    boolean valueShown =
        value != OMITTED
            && type != Type.REQUIRED
            && type != Type.FORBIDDEN
            && type != Type.TOO_LONG;
    if (valueShown) {
      body.append(": ").append(format(value));
    }
    if (!detail.isEmpty()) {
      body.append(": ").append(detail);
    }
    return body.toString();
  }

  /** {@code field: body}, as the API server joins it into its message. */
  public String text() {
    return field + ": " + body();
  }

  /** Go's {@code %v} for numbers and booleans, {@code %q} for strings. */
  private static String format(Object value) {
    if (value == null) {
      return "\"null\"";
    }
    if (value instanceof JsonNode node) {
      if (node.isNull()) {
        return "\"null\"";
      }
      if (node.isTextual()) {
        return GoStrings.quote(node.textValue());
      }
      if (node.isIntegralNumber() || node.isBoolean()) {
        return node.asText();
      }
      if (node.isNumber()) {
        return GoStrings.formatFloat(node.doubleValue());
      }
      return node.toString();
    }
    if (value instanceof String s) {
      return GoStrings.quote(s);
    }
    if (value instanceof Double d) {
      return GoStrings.formatFloat(d);
    }
    return String.valueOf(value);
  }
}
