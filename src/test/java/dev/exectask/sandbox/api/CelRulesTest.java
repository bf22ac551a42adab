package dev.exectask.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.exectask.sandbox.api.CustomResourceSchema.FieldValidation;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The CEL side of the schema, on schemas other than the committed CRD: rules on list items (as an
 * env rule that reserves {@code EXECTASK_*} names would be), messages, message expressions, reasons
 * and field paths, rules at the root, transition rules on nested fields, the standard macros and
 * extension libraries, and list-type uniqueness. Wording as in apiextensions' CEL validator: {@code
 * Invalid value: "<schema type>": <message>}, else {@code failed rule: <rule>}.
 */
class CelRulesTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static final String SCHEMA =
      """
      type: object
      x-kubernetes-validations:
      - rule: "!has(self.spec) || !has(self.spec.forbidden)"
        message: no forbidden field
      properties:
        spec:
          type: object
          x-kubernetes-validations:
          - rule: "!has(self.low) || self.low < 10"
          - rule: "!has(self.high) || self.high > 10"
            messageExpression: "'high is ' + string(self.high) + ', not above 10'"
          - rule: "!has(self.words) || self.words.all(w, w.lowerAscii() == w)"
            message: words are lowercase
          - rule: "!has(self.words) || self.words.exists_one(w, w == 'only') || !self.words.exists(w, w == 'only')"
            message: only once
          - rule: "!has(self.banned) || !self.banned"
            reason: FieldValueForbidden
            fieldPath: .banned
            message: may not be set
          - rule: "!has(self.missing) || self.other == 1"
          - rule: "!has(self.nums) || (self.nums.isSorted() && self.nums.sum() <= 10)"
            message: nums are sorted and add up to at most 10
          - rule: "!has(self.nums) || self.nums.size() == 0 || (self.nums.min() >= 0 && self.nums.max() < 8)"
            message: nums are within 0..7
          - rule: "!has(self.words) || self.words.indexOf('z') == self.words.lastIndexOf('z')"
            message: z at most once
          - rule: "!has(self.version) || self.version.find('[0-9]+') == self.version.findAll('[0-9]+', 1)[0]"
          - rule: "!has(self.version) || self.version.findAll('[0-9]+').size() == 3"
            message: version has three numbers
          properties:
            nums: {type: array, items: {type: integer}}
            version: {type: string}
            low: {type: integer}
            high: {type: integer}
            words: {type: array, items: {type: string}}
            banned: {type: boolean}
            missing: {type: string}
            forbidden: {type: string}
            name:
              type: string
              x-kubernetes-validations:
              - rule: self == oldSelf
                message: name is immutable
            env:
              type: array
              x-kubernetes-list-type: map
              x-kubernetes-list-map-keys: [name]
              items:
                type: object
                required: [name]
                x-kubernetes-validations:
                - rule: "!self.name.startsWith('EXECTASK_')"
                  message: names starting with EXECTASK_ are reserved for the operator
                properties:
                  name: {type: string}
                  value: {type: string}
            tags:
              type: array
              x-kubernetes-list-type: set
              items: {type: string}
      """;

  private static final CustomResourceSchema THING = schema();

  private static CustomResourceSchema schema() {
    try {
      return new CustomResourceSchema("example.dev", "v1", "Thing", YAML.readTree(SCHEMA), false);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static ObjectNode thing(String specYaml) {
    try {
      ObjectNode thing = (ObjectNode) YAML.readTree("metadata: {name: t}\nspec: " + specYaml);
      thing.put("apiVersion", "example.dev/v1").put("kind", "Thing");
      return thing;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static List<Arguments> rules() {
    return List.of(
        Arguments.of(
            "{env: [{name: A}, {name: EXECTASK_UID}]}",
            null,
            "spec.env[1]: Invalid value: \"object\": names starting with EXECTASK_ are reserved"
                + " for the operator"),
        Arguments.of(
            "{low: 12}",
            null,
            "spec: Invalid value: \"object\": failed rule: !has(self.low) ||" + " self.low < 10"),
        Arguments.of("{high: 3}", null, "spec: Invalid value: \"object\": high is 3, not above 10"),
        Arguments.of(
            "{words: [a, B]}", null, "spec: Invalid value: \"object\": words are lowercase"),
        Arguments.of("{words: [only, only]}", null, "spec: Invalid value: \"object\": only once"),
        Arguments.of("{banned: true}", null, "spec.banned: Forbidden: may not be set"),
        Arguments.of(
            "{forbidden: x}", null, "<nil>: Invalid value: \"object\": no forbidden field"),
        Arguments.of(
            "{name: b}", "{name: a}", "spec.name: Invalid value: \"string\": name is immutable"),
        Arguments.of(
            "{env: [{name: A}, {name: B}, {name: A}]}",
            null,
            "spec.env[2]: Duplicate value: map[string]interface {}{\"name\":\"A\"}"),
        Arguments.of("{tags: [x, y, x]}", null, "spec.tags[2]: Duplicate value: \"x\""),
        Arguments.of(
            "{nums: [3, 1]}",
            null,
            "spec: Invalid value: \"object\": nums are sorted and add up to at most 10"),
        Arguments.of(
            "{nums: [5, 6]}",
            null,
            "spec: Invalid value: \"object\": nums are sorted and add up to at most 10"),
        Arguments.of("{nums: [9]}", null, "spec: Invalid value: \"object\": nums are within 0..7"),
        Arguments.of("{words: [z, a, z]}", null, "spec: Invalid value: \"object\": z at most once"),
        Arguments.of(
            "{version: v1.2}", null, "spec: Invalid value: \"object\": version has three numbers"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rules")
  void aFailedRuleIsWordedAsTheApiServerWordsIt(String spec, String oldSpec, String message) {
    JsonNode old = oldSpec == null ? null : thing(oldSpec);

    RejectedWrite rejected =
        catchThrowableOfType(
            RejectedWrite.class, () -> THING.admit(thing(spec), old, FieldValidation.STRICT));

    assertThat(rejected).isNotNull();
    assertThat(rejected.getMessage()).isEqualTo("Thing.example.dev \"t\" is invalid: " + message);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("valid")
  void aSatisfiedRuleLetsTheObjectThrough(String spec, String oldSpec) {
    JsonNode old = oldSpec == null ? null : thing(oldSpec);

    assertThat(THING.admit(thing(spec), old, FieldValidation.STRICT)).isEmpty();
  }

  static List<Arguments> valid() {
    return List.of(
        Arguments.of("{env: [{name: A}, {name: EXECTASK}], low: 3, high: 11}", null),
        Arguments.of("{words: [a, only, b], tags: [x, y]}", null),
        Arguments.of("{nums: [0, 3, 7], words: [z, a], version: v1.22.3}", null),
        Arguments.of("{nums: []}", null),
        Arguments.of("{name: a}", "{name: a}"),
        Arguments.of("{name: a}", null),
        Arguments.of("{name: a}", "{}"));
  }

  @org.junit.jupiter.api.Test
  void aSchemaWithoutRulesReportsItsErrorsAlone() throws IOException {
    CustomResourceSchema plain =
        new CustomResourceSchema(
            "example.dev",
            "v1",
            "Plain",
            YAML.readTree(
                "type: object\nproperties:\n  spec:\n    type: object\n    required: [a]\n"
                    + "    properties: {a: {type: string}}\n"),
            false);
    ObjectNode object = thing("{}");
    object.put("kind", "Plain");

    RejectedWrite rejected =
        catchThrowableOfType(
            RejectedWrite.class, () -> plain.admit(object, null, FieldValidation.STRICT));

    assertThat(rejected.getMessage())
        .isEqualTo("Plain.example.dev \"t\" is invalid: spec.a: Required value");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("evaluationErrors")
  void aRuleThatCannotBeEvaluatedIsAnError(String spec, String message) {
    RejectedWrite rejected =
        catchThrowableOfType(
            RejectedWrite.class, () -> THING.admit(thing(spec), null, FieldValidation.STRICT));

    assertThat(rejected.getMessage())
        .startsWith("Thing.example.dev \"t\" is invalid: spec: Invalid value: \"object\": ")
        .endsWith(message);
  }

  static List<Arguments> evaluationErrors() {
    return List.of(
        Arguments.of("{missing: x}", "evaluating rule: !has(self.missing) || self.other == 1"));
  }
}
