package dev.exectask.sandbox.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.cel.bundle.Cel;
import dev.cel.bundle.CelFactory;
import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.types.SimpleType;
import dev.cel.common.values.NullValue;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The CRD's {@code x-kubernetes-validations}, evaluated with cel-java where the schema declares
 * them, with {@code self} (and {@code oldSelf} on update, for transition rules) bound to the value
 * there. Failures are worded as the API server's CEL validator words them.
 */
final class CelRules {

  private static final Pattern OLD_SELF = Pattern.compile("\\boldSelf\\b");
  private static final CelOptions OPTIONS = CelOptions.current().build();

  /**
   * The libraries Kubernetes offers, as far as cel-java has them (strings, lists, sets, math,
   * optional), and Kubernetes' own list and regex functions.
   */
  private static final Cel CEL =
      CelFactory.standardCelBuilder()
          .setOptions(OPTIONS)
          .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
          .addVar("self", SimpleType.DYN)
          .addVar("oldSelf", SimpleType.DYN)
          .addCompilerLibraries(
              CelExtensions.strings(),
              CelExtensions.lists(),
              CelExtensions.sets(OPTIONS),
              CelExtensions.regex(),
              CelExtensions.math(OPTIONS),
              CelExtensions.optional())
          .addRuntimeLibraries(
              CelExtensions.strings(),
              CelExtensions.lists(),
              CelExtensions.sets(OPTIONS),
              CelExtensions.regex(),
              CelExtensions.math(OPTIONS),
              CelExtensions.optional())
          .addFunctionDeclarations(KubernetesCelLibrary.declarations())
          .addFunctionBindings(KubernetesCelLibrary.bindings())
          .build();

  /** A compiled expression, or why it does not compile. */
  private record Compiled(CelRuntime.Program program, String error) {}

  private static final Map<String, Compiled> PROGRAMS = new ConcurrentHashMap<>();

  private CelRules() {}

  /** Evaluates every rule under {@code schema}; {@code old} is null on create. */
  static List<FieldError> validate(JsonNode schema, JsonNode value, JsonNode old, String path) {
    List<FieldError> errors = new ArrayList<>();
    validate(schema, value, old, path, errors);
    return errors;
  }

  private static void validate(
      JsonNode schema, JsonNode value, JsonNode old, String path, List<FieldError> errors) {
    if (schema == null || schema.isMissingNode() || value == null || value.isNull()) {
      return;
    }
    if (value.equals(old)) {
      // Ratcheting: an unchanged value passed, or was stored before the rule existed.
      return;
    }
    for (JsonNode rule : schema.path("x-kubernetes-validations")) {
      check(rule, schema, value, old, path, errors);
    }
    if (value.isObject()) {
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
    } else if (value.isArray()) {
      // Items have an old value only in lists of type map, matched by key; not modelled here,
      // so transition rules on items are skipped as on a create.
      for (int i = 0; i < value.size(); i++) {
        validate(schema.get("items"), value.get(i), null, Paths.index(path, i), errors);
      }
    }
  }

  private static void check(
      JsonNode rule,
      JsonNode schema,
      JsonNode value,
      JsonNode old,
      String path,
      List<FieldError> errors) {
    String expression = rule.path("rule").asText();
    boolean transition = OLD_SELF.matcher(expression).find();
    if (transition && (old == null || old.isNull())) {
      return;
    }
    Map<String, Object> variables = new HashMap<>();
    variables.put("self", toCel(value));
    if (transition) {
      variables.put("oldSelf", toCel(old));
    }
    String type = schema.path("type").asText("object");
    String field = rule.hasNonNull("fieldPath") ? path + rule.get("fieldPath").asText() : path;
    Compiled compiled = compile(expression);
    if (compiled.error() != null) {
      errors.add(
          FieldError.invalid(
              field, type, "rule compile error: " + compiled.error() + ": " + expression.trim()));
      return;
    }
    Object result;
    try {
      result = compiled.program().eval(variables);
    } catch (CelEvaluationException | RuntimeException e) {
      // A rule that cannot be evaluated on this value rejects it; it never fails the request.
      errors.add(
          FieldError.invalid(field, type, e.getMessage() + " evaluating rule: " + ruleText(rule)));
      return;
    }
    if (Boolean.TRUE.equals(result)) {
      return;
    }
    String message = messageOf(rule, variables);
    errors.add(
        switch (rule.path("reason").asText("FieldValueInvalid")) {
          case "FieldValueForbidden" ->
              new FieldError(FieldError.Type.FORBIDDEN, field, FieldError.OMITTED, message);
          case "FieldValueRequired" -> FieldError.required(field, message);
          case "FieldValueDuplicate" -> new FieldError(FieldError.Type.DUPLICATE, field, type, "");
          default -> FieldError.invalid(field, type, message);
        });
  }

  /** The rule's {@code messageExpression} when it yields a string, else {@code message}. */
  private static String messageOf(JsonNode rule, Map<String, Object> variables) {
    String messageExpression = rule.path("messageExpression").asText("");
    if (!messageExpression.isEmpty()) {
      Compiled compiled = compile(messageExpression);
      if (compiled.error() == null) {
        try {
          Object message = compiled.program().eval(variables);
          if (message instanceof String text && !text.isBlank() && !text.contains("\n")) {
            return text;
          }
        } catch (CelEvaluationException e) {
          // The API server falls back to the static message too.
        }
      }
    }
    String message = rule.path("message").asText("").trim();
    return message.isEmpty() ? "failed rule: " + ruleText(rule) : message;
  }

  /** The API server's {@code ruleErrorString}: the rule's message, else the rule itself. */
  private static String ruleText(JsonNode rule) {
    String message = rule.path("message").asText("").trim();
    return message.isEmpty() ? rule.path("rule").asText().trim() : message;
  }

  private static Compiled compile(String expression) {
    return PROGRAMS.computeIfAbsent(
        expression,
        e -> {
          try {
            CelAbstractSyntaxTree ast = CEL.compile(e).getAst();
            return new Compiled(CEL.createProgram(ast), null);
          } catch (CelValidationException | CelEvaluationException ex) {
            return new Compiled(null, ex.getMessage());
          }
        });
  }

  /** JSON as CEL values: objects as maps, arrays as lists, integers as int, numbers as double. */
  static Object toCel(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return NullValue.NULL_VALUE;
    }
    if (node.isObject()) {
      Map<String, Object> map = new LinkedHashMap<>();
      node.fields().forEachRemaining(f -> map.put(f.getKey(), toCel(f.getValue())));
      return map;
    }
    if (node.isArray()) {
      List<Object> list = new ArrayList<>();
      node.forEach(item -> list.add(toCel(item)));
      return list;
    }
    if (node.isBoolean()) {
      return node.booleanValue();
    }
    if (node.isIntegralNumber()) {
      return node.longValue();
    }
    if (node.isNumber()) {
      return node.doubleValue();
    }
    return node.asText();
  }
}
