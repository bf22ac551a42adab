package dev.exectask.api.v1alpha1;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SpecValidatorTest {

  /** podName demo, command [true]: valid as it is. */
  private static ExecTaskSpec minimal() {
    ExecTaskSpec spec = new ExecTaskSpec();
    spec.setPodName("demo");
    spec.setCommand(new ArrayList<>(List.of("true")));
    return spec;
  }

  private static Arguments valid(String name, Consumer<ExecTaskSpec> change) {
    return Arguments.of(name, change, List.of());
  }

  private static Arguments invalid(String name, Consumer<ExecTaskSpec> change, String... problems) {
    return Arguments.of(name, change, List.of(problems));
  }

  private static LabelSelector selector(String key, String operator, String... values) {
    return new LabelSelectorBuilder()
        .addNewMatchExpression()
        .withKey(key)
        .withOperator(operator)
        .withValues(values)
        .endMatchExpression()
        .build();
  }

  private static List<EnvVar> distinctEnv(int n) {
    return java.util.stream.IntStream.range(0, n).mapToObj(i -> new EnvVar("V" + i, "")).toList();
  }

  private static void useSelector(ExecTaskSpec spec, LabelSelector selector) {
    spec.setPodName(null);
    spec.setPodSelector(selector);
  }

  private static List<String> nCopies(int n, String item) {
    return new ArrayList<>(Collections.nCopies(n, item));
  }

  static Stream<Arguments> specs() {
    return Stream.of(
        valid("minimal", s -> {}),
        valid(
            "everything set",
            s -> {
              s.setContainer("main");
              s.setCommand(List.of("sh", "-c", "echo \"$A\"; cat", ""));
              s.setStdin("héllo\n");
              s.setEnv(List.of(new EnvVar("A", "1"), new EnvVar("_b2", null)));
              s.setWorkingDir("/tmp");
              s.setTimeoutSeconds(1L);
              s.setStartTimeoutSeconds(0L);
              s.setTerminationGracePeriodSeconds(0L);
              s.setTtlSecondsAfterFinished(0);
            }),
        valid("dotted pod name", s -> s.setPodName("web-0.cache")),
        valid("253-character pod name", s -> s.setPodName("a".repeat(253))),
        valid("63-character container name", s -> s.setContainer("c".repeat(63))),
        valid(
            "selector by labels",
            s ->
                useSelector(
                    s, new LabelSelectorBuilder().withMatchLabels(Map.of("app", "demo")).build())),
        valid(
            "selector with a prefixed key and an empty value",
            s ->
                useSelector(
                    s,
                    new LabelSelectorBuilder()
                        .withMatchLabels(Map.of("app.kubernetes.io/name", ""))
                        .build())),
        valid("selector In", s -> useSelector(s, selector("app", "In", "a", "b"))),
        valid("selector NotIn", s -> useSelector(s, selector("app", "NotIn", "a"))),
        valid("selector Exists", s -> useSelector(s, selector("app", "Exists"))),
        valid("selector DoesNotExist", s -> useSelector(s, selector("app", "DoesNotExist"))),
        valid("256 command items", s -> s.setCommand(nCopies(256, "x"))),
        valid("256 env items", s -> s.setEnv(distinctEnv(256))),
        valid(
            "names the wrapper or a shell uses itself",
            s ->
                s.setEnv(
                    Stream.of(
                            "uid",
                            "envcount",
                            "setsid",
                            "state",
                            "token",
                            "UID",
                            "EUID",
                            "PPID",
                            "IFS",
                            "PATH",
                            "EXECTASKUID",
                            "exectask_uid",
                            "_")
                        .map(name -> new EnvVar(name, "x"))
                        .toList())),
        valid("256-character env name", s -> s.setEnv(List.of(new EnvVar("A".repeat(256), "")))),
        valid("stdin of exactly 256 KiB", s -> s.setStdin("x".repeat(262144))),
        invalid(
            "no pod",
            s -> s.setPodName(null),
            "Set one of podName and podSelector to say which pod to run the command in."),
        invalid(
            "both pod name and selector",
            s -> s.setPodSelector(selector("app", "Exists")),
            "Set only one of podName and podSelector, not both."),
        invalid("empty pod name", s -> s.setPodName(""), "podName must not be empty."),
        invalid(
            "uppercase pod name",
            s -> s.setPodName("Demo"),
            "podName \"Demo\" is not a valid name: use lowercase letters, digits, '-' and '.',"
                + " start and end with a letter or digit, at most 253 characters."),
        invalid(
            "254-character pod name",
            s -> s.setPodName("a".repeat(254)),
            "podName \""
                + "a".repeat(254)
                + "\" is not a valid name: use lowercase letters, digits, '-' and '.', start and"
                + " end with a letter or digit, at most 253 characters."),
        invalid("empty container", s -> s.setContainer(""), "container must not be empty."),
        invalid(
            "container with a dot",
            s -> s.setContainer("a.b"),
            "container \"a.b\" is not a valid name: use lowercase letters, digits and '-', start"
                + " and end with a letter or digit, at most 63 characters."),
        invalid(
            "64-character container",
            s -> s.setContainer("c".repeat(64)),
            "container \""
                + "c".repeat(64)
                + "\" is not a valid name: use lowercase letters, digits and '-', start and end with"
                + " a letter or digit, at most 63 characters."),
        invalid(
            "empty selector",
            s -> useSelector(s, new LabelSelector()),
            "podSelector must have matchLabels or matchExpressions: an empty selector matches"
                + " every pod."),
        invalid(
            "In without values",
            s -> useSelector(s, selector("app", "In")),
            "podSelector.matchExpressions[0].values must not be empty when the operator is In."),
        invalid(
            "NotIn without values",
            s -> useSelector(s, selector("app", "NotIn")),
            "podSelector.matchExpressions[0].values must not be empty when the operator is NotIn."),
        invalid(
            "Exists with values",
            s -> useSelector(s, selector("app", "Exists", "x")),
            "podSelector.matchExpressions[0].values must be empty when the operator is Exists."),
        invalid(
            "DoesNotExist with values",
            s -> useSelector(s, selector("app", "DoesNotExist", "x")),
            "podSelector.matchExpressions[0].values must be empty when the operator is"
                + " DoesNotExist."),
        invalid(
            "unknown operator",
            s -> useSelector(s, selector("app", "Equals", "x")),
            "podSelector.matchExpressions[0].operator \"Equals\" is not one of In, NotIn, Exists"
                + " and DoesNotExist."),
        invalid(
            "expression without key",
            s -> useSelector(s, selector(null, "Exists")),
            "podSelector.matchExpressions[0].key must not be empty."),
        invalid(
            "invalid label key",
            s ->
                useSelector(
                    s, new LabelSelectorBuilder().withMatchLabels(Map.of("-app", "x")).build()),
            "podSelector.matchLabels key \"-app\" is not a valid label key."),
        invalid(
            "invalid label value",
            s ->
                useSelector(
                    s, new LabelSelectorBuilder().withMatchLabels(Map.of("app", "a b")).build()),
            "podSelector.matchLabels[app] \"a b\" is not a valid label value: use letters, digits,"
                + " '-', '_' and '.', start and end with a letter or digit, at most 63"
                + " characters."),
        invalid(
            "no command",
            s -> s.setCommand(null),
            "command must have at least one item: the program to run."),
        invalid(
            "empty command",
            s -> s.setCommand(List.of()),
            "command must have at least one item: the program to run."),
        invalid(
            "257 command items",
            s -> s.setCommand(nCopies(257, "x")),
            "command has 257 items; at most 256 are allowed."),
        invalid(
            "null command item",
            s -> s.setCommand(Arrays.asList("echo", null)),
            "command[1] is null."),
        invalid(
            "NUL in a command item",
            s -> s.setCommand(List.of("echo", "a\0b")),
            "command[1] contains a NUL character, which a command cannot receive."),
        invalid(
            "stdin over 256 KiB in UTF-8 bytes though not in characters",
            s -> s.setStdin("é".repeat(131073)),
            "stdin is 262146 bytes in UTF-8; at most 262144 (256 KiB) are allowed."),
        invalid(
            "NUL in stdin",
            s -> s.setStdin("a\0"),
            "stdin contains a NUL character, which a command cannot receive."),
        invalid(
            "257 env items",
            s -> s.setEnv(distinctEnv(257)),
            "env has 257 items; at most 256 are allowed."),
        invalid(
            "env without a name",
            s -> s.setEnv(List.of(new EnvVar(null, "x"))),
            "env[0].name must not be empty."),
        invalid(
            "env name starting with a digit",
            s -> s.setEnv(List.of(new EnvVar("A", ""), new EnvVar("1A", ""))),
            "env[1].name \"1A\" is not a valid variable name: use letters, digits and underscores,"
                + " not starting with a digit, at most 256 characters."),
        invalid(
            "257-character env name",
            s -> s.setEnv(List.of(new EnvVar("A".repeat(257), ""))),
            "env[0].name \""
                + "A".repeat(257)
                + "\" is not a valid variable name: use letters, digits and underscores, not"
                + " starting with a digit, at most 256 characters."),
        invalid(
            "env name with a dash",
            s -> s.setEnv(List.of(new EnvVar("MY-VAR", ""))),
            "env[0].name \"MY-VAR\" is not a valid variable name: use letters, digits and"
                + " underscores, not starting with a digit, at most 256 characters."),
        invalid(
            "reserved env name",
            s -> s.setEnv(List.of(new EnvVar("EXECTASK_UID", "x"))),
            "env[0].name EXECTASK_UID is reserved for the operator: names starting with EXECTASK_"
                + " are not allowed."),
        invalid(
            "any name in the reserved prefix",
            s -> s.setEnv(List.of(new EnvVar("A", ""), new EnvVar("EXECTASK_TOKEN", "x"))),
            "env[1].name EXECTASK_TOKEN is reserved for the operator: names starting with"
                + " EXECTASK_ are not allowed."),
        invalid(
            "a name set twice",
            s -> s.setEnv(List.of(new EnvVar("A", "1"), new EnvVar("B", ""), new EnvVar("A", "2"))),
            "env[2].name A is already set by env[0]: each name may appear once."),
        invalid(
            "NUL in an env value",
            s -> s.setEnv(List.of(new EnvVar("A", "\0"))),
            "env[0].value contains a NUL character, which a command cannot receive."),
        invalid("null env item", s -> s.setEnv(Arrays.asList((EnvVar) null)), "env[0] is null."),
        invalid(
            "empty workingDir", s -> s.setWorkingDir(""), "workingDir must not be empty when set."),
        invalid(
            "NUL in workingDir",
            s -> s.setWorkingDir("/tmp\0"),
            "workingDir contains a NUL character, which a command cannot receive."),
        invalid(
            "timeout of zero",
            s -> s.setTimeoutSeconds(0L),
            "timeoutSeconds is 0; it must be at least 1."),
        invalid(
            "negative start timeout",
            s -> s.setStartTimeoutSeconds(-1L),
            "startTimeoutSeconds is -1; it must be at least 0."),
        invalid(
            "negative grace period",
            s -> s.setTerminationGracePeriodSeconds(-5L),
            "terminationGracePeriodSeconds is -5; it must be at least 0."),
        invalid(
            "negative ttl",
            s -> s.setTtlSecondsAfterFinished(-1),
            "ttlSecondsAfterFinished is -1; it must be at least 0."),
        invalid(
            "every problem is reported, not just the first",
            s -> {
              s.setPodName(null);
              s.setCommand(List.of());
              s.setTimeoutSeconds(0L);
            },
            "Set one of podName and podSelector to say which pod to run the command in.",
            "command must have at least one item: the program to run.",
            "timeoutSeconds is 0; it must be at least 1."));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("specs")
  void reportsEachProblemInASentence(
      String name, Consumer<ExecTaskSpec> change, List<String> expectedProblems) {
    ExecTaskSpec spec = minimal();
    change.accept(spec);
    assertEquals(expectedProblems, SpecValidator.validate(spec));
  }

  @Test
  void aMissingSpecIsInvalid() {
    assertEquals(List.of("The task has no spec."), SpecValidator.validate(null));
  }

  @Test
  void theMessageJoinsTheProblemsWithoutDoubledPunctuation() {
    ExecTaskSpec spec = minimal();
    spec.setPodSelector(new LabelSelectorBuilder().addToMatchLabels("app", "web").build());
    spec.setCommand(List.of());
    spec.setTimeoutSeconds(0L);

    String message = SpecValidator.message(SpecValidator.validate(spec));

    assertEquals(
        "Invalid spec: Set only one of podName and podSelector, not both; command must have at"
            + " least one item: the program to run; timeoutSeconds is 0; it must be at least 1.",
        message);
  }

  @Test
  void theMessageOfOneProblemEndsWithOneFullStop() {
    assertEquals(
        "Invalid spec: The task has no spec.", SpecValidator.message(SpecValidator.validate(null)));
  }
}
