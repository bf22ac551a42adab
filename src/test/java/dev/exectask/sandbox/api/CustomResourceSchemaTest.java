package dev.exectask.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.exectask.manifests.Manifests;
import dev.exectask.sandbox.api.CustomResourceSchema.FieldValidation;
import java.io.IOException;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The committed ExecTask CRD enforced as kube-apiserver enforces it. The expected messages are
 * composed as in kube-openapi {@code pkg/validation/errors/schema.go} (e.g. "%s in %s should be
 * greater than or equal to %v"), apimachinery {@code field/errors.go} ("Required value", "Too many:
 * %d: must have at most %d items") and apiextensions' CEL validator ({@code Invalid value:
 * "object": <message>}).
 */
class CustomResourceSchemaTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SKIPPED_RULES =
      "<nil>: Invalid value: \"null\": some validation rules were not checked because the object"
          + " was invalid; correct the existing errors to complete validation";

  private static final CustomResourceSchema EXEC_TASK = execTaskSchema();

  static CustomResourceSchema execTaskSchema() {
    try {
      JsonNode crd = YAML.readTree(Manifests.CRD_FILE.toFile());
      JsonNode version = crd.path("spec").path("versions").get(0);
      return new CustomResourceSchema(
          crd.path("spec").path("group").asText(),
          version.path("name").asText(),
          crd.path("spec").path("names").path("kind").asText(),
          version.path("schema").path("openAPIV3Schema"),
          version.path("subresources").has("status"));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  static ObjectNode task(Consumer<ObjectNode> spec) {
    ObjectNode task = JSON.createObjectNode();
    task.put("apiVersion", "exectask.dev/v1alpha1");
    task.put("kind", "ExecTask");
    task.putObject("metadata").put("name", "x").put("namespace", "default");
    ObjectNode s = task.putObject("spec");
    s.put("podName", "web");
    s.putArray("command").add("true");
    spec.accept(s);
    return task;
  }

  static Arguments invalid(String what, Consumer<ObjectNode> spec, String message) {
    return Arguments.of(what, spec, message);
  }

  static List<Arguments> invalidSpecs() {
    return List.of(
        invalid(
            "both podName and podSelector",
            s -> s.putObject("podSelector").putObject("matchLabels").put("app", "web"),
            "spec: Invalid value: \"object\": exactly one of podName or podSelector must be set"),
        invalid(
            "neither podName nor podSelector",
            s -> s.remove("podName"),
            "spec: Invalid value: \"object\": exactly one of podName or podSelector must be set"),
        invalid(
            "empty command",
            s -> s.putArray("command"),
            "spec.command: Invalid value: 0: spec.command in body should have at least 1 items"),
        invalid(
            "no command",
            s -> s.remove("command"),
            "[spec.command: Required value, " + SKIPPED_RULES + "]"),
        invalid(
            "257 command items",
            s -> {
              var command = s.putArray("command");
              for (int i = 0; i < 257; i++) {
                command.add("a" + i);
              }
            },
            "[spec.command: Too many: 257: must have at most 256 items, " + SKIPPED_RULES + "]"),
        invalid(
            "timeoutSeconds 0",
            s -> s.put("timeoutSeconds", 0),
            "spec.timeoutSeconds: Invalid value: 0: spec.timeoutSeconds in body should be greater"
                + " than or equal to 1"),
        invalid(
            "negative grace period",
            s -> s.put("terminationGracePeriodSeconds", -1),
            "spec.terminationGracePeriodSeconds: Invalid value: -1:"
                + " spec.terminationGracePeriodSeconds in body should be greater than or equal to"
                + " 0"),
        invalid(
            "env name starting with a digit",
            s -> s.putArray("env").addObject().put("name", "1X").put("value", "v"),
            "spec.env[0].name: Invalid value: \"1X\": spec.env[0].name in body should match"
                + " '^[A-Za-z_][A-Za-z0-9_]*$'"),
        invalid(
            "env without a name",
            s -> s.putArray("env").addObject().put("value", "v"),
            "[spec.env[0].name: Required value, " + SKIPPED_RULES + "]"),
        invalid(
            "stdin over 256 KiB",
            s -> s.put("stdin", "a".repeat(262_145)),
            "[spec.stdin: Too long: may not be longer than 262144, " + SKIPPED_RULES + "]"),
        invalid(
            "timeoutSeconds a string",
            s -> s.put("timeoutSeconds", "10"),
            "[spec.timeoutSeconds: Invalid value: \"string\": spec.timeoutSeconds in body must be"
                + " of type integer: \"string\", "
                + SKIPPED_RULES
                + "]"),
        invalid(
            "invalid container name",
            s -> s.put("container", "Main"),
            "spec.container: Invalid value: \"Main\": spec.container in body should match"
                + " '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'"),
        invalid(
            "empty workingDir",
            s -> s.put("workingDir", ""),
            "spec.workingDir: Invalid value: \"\": spec.workingDir in body should be at least 1"
                + " chars long"),
        invalid(
            "the issue's three mistakes at once",
            s -> {
              s.putObject("podSelector").putObject("matchLabels").put("app", "web");
              s.putArray("command");
              s.put("timeoutSeconds", 0);
            },
            "[spec.command: Invalid value: 0: spec.command in body should have at least 1 items,"
                + " spec.timeoutSeconds: Invalid value: 0: spec.timeoutSeconds in body should be"
                + " greater than or equal to 1, spec: Invalid value: \"object\": exactly one of"
                + " podName or podSelector must be set]"));
  }

  @Test
  void aSpecThatIsNotAnObjectIsATypeErrorAndTheRulesWait() {
    ObjectNode task = task(s -> {});
    task.put("spec", "run it");

    assertThatThrownBy(() -> EXEC_TASK.admit(task, null, FieldValidation.STRICT))
        .hasMessage(
            "ExecTask.exectask.dev \"x\" is invalid: [spec: Invalid value: \"string\": spec in"
                + " body must be of type object: \"string\", "
                + SKIPPED_RULES
                + "]");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidSpecs")
  void anInvalidSpecIsRejectedWithTheApiServersWords(
      String what, Consumer<ObjectNode> spec, String message) {
    RejectedWrite rejected =
        catchThrowableOfType(
            RejectedWrite.class, () -> EXEC_TASK.admit(task(spec), null, FieldValidation.STRICT));

    assertThat(rejected).as(what).isNotNull();
    assertThat(rejected.code()).isEqualTo(422);
    assertThat(rejected.getMessage())
        .isEqualTo("ExecTask.exectask.dev \"x\" is invalid: " + message);
  }

  static List<Arguments> examples() throws IOException {
    List<Arguments> tasks = new java.util.ArrayList<>();
    try (var files = java.nio.file.Files.list(Manifests.EXAMPLES)) {
      for (var file : files.sorted().toList()) {
        for (JsonNode document :
            YAML.readValues(YAML.createParser(file.toFile()), JsonNode.class).readAll()) {
          if (document.path("kind").asText().equals("ExecTask")) {
            tasks.add(Arguments.of(file.getFileName().toString(), document));
          }
        }
      }
    }
    return tasks;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void everyExampleIsAcceptedAsWritten(String file, JsonNode example) {
    ObjectNode task = (ObjectNode) example.deepCopy();

    assertThat(EXEC_TASK.admit(task, null, FieldValidation.STRICT)).isEmpty();
  }

  @Test
  void theStatusCarriesOneCausePerProblem() throws IOException {
    ObjectNode bad = task(s -> s.put("timeoutSeconds", 0).putArray("command"));

    JsonNode status =
        JSON.readTree(
            catchThrowableOfType(
                    RejectedWrite.class, () -> EXEC_TASK.admit(bad, null, FieldValidation.WARN))
                .body());

    assertThat(status.path("kind").asText()).isEqualTo("Status");
    assertThat(status.path("status").asText()).isEqualTo("Failure");
    assertThat(status.path("reason").asText()).isEqualTo("Invalid");
    assertThat(status.path("code").asInt()).isEqualTo(422);
    JsonNode details = status.path("details");
    assertThat(details.path("name").asText()).isEqualTo("x");
    assertThat(details.path("group").asText()).isEqualTo("exectask.dev");
    assertThat(details.path("kind").asText()).isEqualTo("ExecTask");
    assertThat(details.path("causes"))
        .containsExactly(
            JSON.readTree(
                """
                {"reason": "FieldValueInvalid",
                 "message": "Invalid value: 0: spec.command in body should have at least 1 items",
                 "field": "spec.command"}"""),
            JSON.readTree(
                """
                {"reason": "FieldValueInvalid",
                 "message": "Invalid value: 0: spec.timeoutSeconds in body should be greater than or equal to 1",
                 "field": "spec.timeoutSeconds"}"""));
  }

  @Test
  void aSpecChangeIsRejectedOnUpdateAndAnUnchangedSpecPasses() {
    ObjectNode stored = task(s -> {});
    EXEC_TASK.admit(stored, null, FieldValidation.STRICT);
    ObjectNode sameSpec = stored.deepCopy();
    sameSpec.with("metadata").putArray("finalizers").add("exectask.dev/kill-process-tree");
    ObjectNode changed = stored.deepCopy();
    changed.with("spec").putArray("command").add("false");

    EXEC_TASK.admit(sameSpec, stored, FieldValidation.STRICT);
    assertThatThrownBy(() -> EXEC_TASK.admit(changed, stored, FieldValidation.STRICT))
        .isInstanceOf(RejectedWrite.class)
        .hasMessage(
            "ExecTask.exectask.dev \"x\" is invalid: spec: Invalid value: \"object\": spec is"
                + " immutable");
  }

  @Test
  void anObjectStoredUnderALooserCrdCanStillBeUpdatedElsewhere() {
    ObjectNode stored =
        task(
            s -> {
              s.putObject("podSelector").putObject("matchLabels").put("app", "web");
              s.put("timeoutSeconds", 0);
            });
    ObjectNode finalizerAdded = stored.deepCopy();
    finalizerAdded.with("metadata").putArray("finalizers").add("exectask.dev/kill-process-tree");
    ObjectNode specChanged = stored.deepCopy();
    specChanged.with("spec").put("timeoutSeconds", 5);

    assertThat(EXEC_TASK.admit(finalizerAdded, stored, FieldValidation.STRICT)).isEmpty();
    assertThatThrownBy(() -> EXEC_TASK.admit(specChanged, stored, FieldValidation.STRICT))
        .hasMessage(
            "ExecTask.exectask.dev \"x\" is invalid: [spec: Invalid value: \"object\": exactly"
                + " one of podName or podSelector must be set, spec: Invalid value: \"object\":"
                + " spec is immutable]");
  }

  @Test
  void anUpdateThatDropsADefaultedFieldGetsTheDefaultBackAndKeepsTheSpec() {
    ObjectNode stored = task(s -> {});
    EXEC_TASK.admit(stored, null, FieldValidation.STRICT);
    ObjectNode update = task(s -> {});

    EXEC_TASK.admit(update, stored, FieldValidation.STRICT);

    assertThat(update.path("spec")).isEqualTo(stored.path("spec"));
  }

  @Test
  void theDefaultsAreFilledIn() {
    ObjectNode created = task(s -> s.put("timeoutSeconds", 5));

    EXEC_TASK.admit(created, null, FieldValidation.STRICT);

    JsonNode spec = created.path("spec");
    assertThat(spec.path("timeoutSeconds").asLong()).isEqualTo(5);
    assertThat(spec.path("startTimeoutSeconds").asLong()).isEqualTo(60);
    assertThat(spec.path("terminationGracePeriodSeconds").asLong()).isEqualTo(10);
    assertThat(spec.has("ttlSecondsAfterFinished")).isFalse();
  }

  @Test
  void aNullIsDroppedAndThenDefaulted() {
    ObjectNode created = task(s -> s.putNull("timeoutSeconds").putNull("podSelector"));

    EXEC_TASK.admit(created, null, FieldValidation.STRICT);

    assertThat(created.path("spec").path("timeoutSeconds").asLong()).isEqualTo(3600);
    assertThat(created.path("spec").has("podSelector")).isFalse();
  }

  @Test
  void unknownFieldsArePrunedWithAWarningOrRefusedWhenStrict() {
    ObjectNode warned =
        task(s -> s.put("timeout", 5).putArray("env").addObject().put("name", "A").put("x", 1));
    ObjectNode strict = warned.deepCopy();

    List<String> warnings = EXEC_TASK.admit(warned, null, FieldValidation.WARN);

    assertThat(warnings)
        .containsExactly("unknown field \"spec.env[0].x\"", "unknown field \"spec.timeout\"");
    assertThat(warned.path("spec").has("timeout")).isFalse();
    assertThat(warned.path("spec").path("env").get(0).has("x")).isFalse();
    RejectedWrite rejected =
        catchThrowableOfType(
            RejectedWrite.class, () -> EXEC_TASK.admit(strict, null, FieldValidation.STRICT));
    assertThat(rejected.code()).isEqualTo(400);
    assertThat(rejected.getMessage())
        .isEqualTo(
            "ExecTask in version \"v1alpha1\" cannot be handled as a ExecTask: strict decoding"
                + " error: unknown field \"spec.env[0].x\", unknown field \"spec.timeout\"");
  }

  @Test
  void aMainResourceWriteLeavesTheStatusToTheStatusSubresource() {
    ObjectNode created = task(s -> {});
    created.putObject("status").put("phase", "Bogus").put("anything", 1);

    EXEC_TASK.admit(created, null, FieldValidation.STRICT);

    assertThat(created.path("status").path("phase").asText()).isEqualTo("Bogus");
  }

  @Test
  void aStatusWriteChecksTheStatusOnly() {
    ObjectNode stored = task(s -> {});
    ObjectNode invalidSpecValidStatus = task(s -> s.put("timeoutSeconds", 0));
    invalidSpecValidStatus.putObject("status").put("phase", "Running");
    ObjectNode badPhase = stored.deepCopy();
    badPhase.putObject("status").put("phase", "Bogus");

    EXEC_TASK.admitStatus(invalidSpecValidStatus, stored, FieldValidation.STRICT);
    assertThatThrownBy(() -> EXEC_TASK.admitStatus(badPhase, stored, FieldValidation.STRICT))
        .isInstanceOf(RejectedWrite.class)
        .hasMessage(
            "ExecTask.exectask.dev \"x\" is invalid: [status.phase: Unsupported value:"
                + " \"Bogus\": supported values: \"Failed\", \"Pending\", \"Running\","
                + " \"Succeeded\", \"TimedOut\", "
                + SKIPPED_RULES
                + "]");
  }
}
