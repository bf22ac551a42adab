package dev.exectask.sandbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The OpenAPI v3 checks of a structural schema (types, required, bounds, lengths, item counts,
 * patterns, enums), each worded as kube-openapi's validator words it and turned into a field error
 * as the API server turns it ({@code kubeOpenAPIErrorToFieldError}).
 */
final class SchemaValidation {

  /** The API server passes every custom resource to kube-openapi as "body". */
  private static final String IN = " in body";

  /** Patterns are Go (RE2) regular expressions: re2j matches them as Go does. */
  private static final Map<String, Pattern> PATTERNS = new ConcurrentHashMap<>();

  private SchemaValidation() {}

  /**
   * Checks {@code value}; on update {@code old} is the stored value at the same place, and an
   * unchanged value is not checked again (the API server's validation ratcheting), so that an
   * object stored under an older, looser CRD can still be updated elsewhere.
   */
  static List<FieldError> validate(JsonNode schema, JsonNode value, JsonNode old, String path) {
    List<FieldError> errors = new ArrayList<>();
    validate(schema, value, old, path, errors);
    return errors;
  }

  private static void validate(
      JsonNode schema, JsonNode value, JsonNode old, String path, List<FieldError> errors) {
    if (schema == null || schema.isMissingNode() || value.equals(old)) {
      return;
    }
    if (value.isNull()) {
      if (!schema.path("nullable").asBoolean(false) && schema.has("type")) {
        errors.add(typeError(schema, "null", path));
      }
      return;
    }
    String actual = typeOf(value);
    if (!typeMatches(schema, value, actual)) {
      errors.add(typeError(schema, actual, path));
      return;
    }
    if (value.isTextual()) {
      checkString(schema, value, path, errors);
    }
    if (value.isNumber()) {
      checkNumber(schema, value, path, errors);
    }
    if (value.isArray()) {
      checkArray(schema, value, path, errors);
    }
    checkEnum(schema, value, path, errors);
    if (value.isObject()) {
      checkObject(schema, value, old, path, errors);
    }
  }

  private static String typeOf(JsonNode value) {
    if (value.isTextual()) {
      return "string";
    }
    if (value.isBoolean()) {
      return "boolean";
    }
    if (value.isIntegralNumber()) {
      return "integer";
    }
    if (value.isNumber()) {
      return "number";
    }
    return value.isArray() ? "array" : "object";
  }

  private static boolean typeMatches(JsonNode schema, JsonNode value, String actual) {
    if (schema.path("x-kubernetes-int-or-string").asBoolean(false)) {
      return actual.equals("string") || actual.equals("integer") || isIntegralFloat(value);
    }
    String expected = schema.path("type").asText("");
    return switch (expected) {
      case "" -> true;
      case "integer" -> actual.equals("integer") || isIntegralFloat(value);
      case "number" -> actual.equals("integer") || actual.equals("number");
      default -> expected.equals(actual);
    };
  }

  private static boolean isIntegralFloat(JsonNode value) {
    return value.isFloatingPointNumber() && value.doubleValue() == Math.rint(value.doubleValue());
  }

  private static FieldError typeError(JsonNode schema, String actual, String path) {
    String expected =
        schema.path("x-kubernetes-int-or-string").asBoolean(false)
            ? "integer,string"
            : schema.path("type").asText();
    return new FieldError(
        FieldError.Type.TYPE_INVALID,
        path,
        actual,
        path + IN + " must be of type " + expected + ": " + GoStrings.quote(actual));
  }

  /** Like kube-openapi's string validator, only the first failing check is reported. */
  private static void checkString(
      JsonNode schema, JsonNode value, String path, List<FieldError> errors) {
    String text = value.textValue();
    long length = text.codePointCount(0, text.length());
    if (schema.has("maxLength") && length > schema.get("maxLength").asLong()) {
      errors.add(
          new FieldError(
              FieldError.Type.TOO_LONG,
              path,
              value,
              "may not be longer than " + schema.get("maxLength").asLong()));
    } else if (schema.has("minLength") && length < schema.get("minLength").asLong()) {
      errors.add(
          FieldError.invalid(
              path,
              value,
              path
                  + IN
                  + " should be at least "
                  + schema.get("minLength").asLong()
                  + " chars long"));
    } else if (schema.has("pattern") && !matches(schema.get("pattern").asText(), text)) {
      errors.add(
          FieldError.invalid(
              path, value, path + IN + " should match '" + schema.get("pattern").asText() + "'"));
    }
  }

  private static boolean matches(String pattern, String text) {
    try {
      return PATTERNS.computeIfAbsent(pattern, Pattern::compile).matcher(text).find();
    } catch (PatternSyntaxException e) {
      // The API server rejects such a CRD; a sandbox that holds one lets the value through.
      return true;
    }
  }

  private static void checkNumber(
      JsonNode schema, JsonNode value, String path, List<FieldError> errors) {
    double number = value.doubleValue();
    if (schema.has("multipleOf")) {
      double factor = schema.get("multipleOf").doubleValue();
      if (factor > 0 && Math.abs(Math.IEEEremainder(number, factor)) > 1e-9) {
        errors.add(
            FieldError.invalid(
                path,
                value,
                path + IN + " should be a multiple of " + GoStrings.formatFloat(factor)));
      }
    }
    if (schema.has("maximum")) {
      double maximum = schema.get("maximum").doubleValue();
      boolean exclusive = schema.path("exclusiveMaximum").asBoolean(false);
      if (exclusive ? number >= maximum : number > maximum) {
        errors.add(
            FieldError.invalid(
                path,
                value,
                path
                    + IN
                    + (exclusive ? " should be less than " : " should be less than or equal to ")
                    + GoStrings.formatFloat(maximum)));
      }
    }
    if (schema.has("minimum")) {
      double minimum = schema.get("minimum").doubleValue();
      boolean exclusive = schema.path("exclusiveMinimum").asBoolean(false);
      if (exclusive ? number <= minimum : number < minimum) {
        errors.add(
            FieldError.invalid(
                path,
                value,
                path
                    + IN
                    + (exclusive
                        ? " should be greater than "
                        : " should be greater than or equal to ")
                    + GoStrings.formatFloat(minimum)));
      }
    }
  }

  private static void checkArray(
      JsonNode schema, JsonNode value, String path, List<FieldError> errors) {
    JsonNode items = schema.get("items");
    for (int i = 0; i < value.size(); i++) {
      // Items of a changed list are not matched to old ones: each is checked.
      validate(items, value.get(i), null, Paths.index(path, i), errors);
    }
    int size = value.size();
    if (schema.has("minItems") && size < schema.get("minItems").asLong()) {
      errors.add(
          FieldError.invalid(
              path,
              new IntNode(size),
              path + IN + " should have at least " + schema.get("minItems").asLong() + " items"));
    }
    if (schema.has("maxItems") && size > schema.get("maxItems").asLong()) {
      errors.add(
          new FieldError(
              FieldError.Type.TOO_MANY,
              path,
              new IntNode(size),
              "must have at most " + schema.get("maxItems").asLong() + " items"));
    }
    ListTypes.check(schema, value, path, errors);
  }

  private static void checkEnum(
      JsonNode schema, JsonNode value, String path, List<FieldError> errors) {
    JsonNode allowed = schema.get("enum");
    if (allowed == null || !allowed.isArray() || allowed.isEmpty()) {
      return;
    }
    for (JsonNode candidate : allowed) {
      if (candidate.equals(value)
          || (candidate.isNumber()
              && value.isNumber()
              && candidate.doubleValue() == value.doubleValue())) {
        return;
      }
    }
    List<String> quoted = new ArrayList<>();
    allowed.forEach(
        a ->
            quoted.add(
                a.isTextual() ? GoStrings.quote(a.textValue()) : GoStrings.quote(a.toString())));
    errors.add(
        new FieldError(
            FieldError.Type.NOT_SUPPORTED,
            path,
            value.isContainerNode() ? new TextNode(value.toString()) : value,
            "supported values: " + String.join(", ", quoted)));
  }

  private static void checkObject(
      JsonNode schema, JsonNode value, JsonNode old, String path, List<FieldError> errors) {
    for (JsonNode required : schema.path("required")) {
      if (!value.has(required.asText())) {
        errors.add(FieldError.required(Paths.child(path, required.asText()), ""));
      }
    }
    JsonNode properties = schema.path("properties");
    JsonNode additional = schema.get("additionalProperties");
    for (String name : Paths.fieldsInSchemaOrder(schema, value)) {
      JsonNode childSchema = properties.get(name);
      if (childSchema == null && additional != null && additional.isObject()) {
        childSchema = additional;
      }
      JsonNode oldChild = old == null ? null : old.get(name);
      validate(childSchema, value.get(name), oldChild, Paths.child(path, name), errors);
    }
    int size = value.size();
    if (schema.has("maxProperties") && size > schema.get("maxProperties").asLong()) {
      errors.add(
          new FieldError(
              FieldError.Type.TOO_MANY,
              path,
              new IntNode(size),
              "must have at most " + schema.get("maxProperties").asLong() + " items"));
    }
    if (schema.has("minProperties") && size < schema.get("minProperties").asLong()) {
      errors.add(
          FieldError.invalid(
              path,
              new IntNode(size),
              path
                  + IN
                  + " should have at least "
                  + schema.get("minProperties").asLong()
                  + " properties"));
    }
  }
}
