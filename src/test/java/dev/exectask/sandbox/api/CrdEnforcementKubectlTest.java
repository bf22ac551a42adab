package dev.exectask.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exectask.testing.SandboxKubectl;
import dev.exectask.testing.SandboxKubectl.Run;
import java.io.IOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What a kubectl user sees of the CRD the sandbox enforces: errors, defaults, explain. */
class CrdEnforcementKubectlTest {

  private static SandboxKubectl cli;

  @BeforeAll
  static void start() throws IOException {
    cli = SandboxKubectl.start("sandbox-crd-kubectl");
  }

  @AfterAll
  static void stop() {
    if (cli != null) {
      cli.close();
    }
  }

  private static String task(String name, String spec) {
    return """
        apiVersion: exectask.dev/v1alpha1
        kind: ExecTask
        metadata:
          name: %s
        spec:
        %s"""
        .formatted(name, spec.indent(2));
  }

  @Test
  void applyOfAnInvalidSpecIsRejectedWithTheApiServersWords() throws Exception {
    Run run =
        kubectl(
            task(
                "bad",
                """
                podName: web
                podSelector: {matchLabels: {app: web}}
                command: []
                timeoutSeconds: 0
                """),
            "apply",
            "-f",
            "-");

    assertThat(run.exitCode()).isNotZero();
    assertThat(run.stderr())
        .contains(
            """
            The ExecTask "bad" is invalid:\s
            * spec.command: Invalid value: 0: spec.command in body should have at least 1 items
            * spec.timeoutSeconds: Invalid value: 0: spec.timeoutSeconds in body should be \
            greater than or equal to 1
            * spec: Invalid value: "object": exactly one of podName or podSelector must be set
            """);
    assertThat(kubectl(null, "get", "et", "bad").stderr()).contains("\"bad\" not found");
  }

  @Test
  void serverSideApplyIsJudgedOnTheObjectItMakes() throws Exception {
    String valid = task("ssa", "podName: web\ncommand: [\"true\"]\n");
    assertThat(kubectl(valid, "apply", "--server-side", "-f", "-").exitCode()).isZero();

    Run changed =
        kubectl(
            task("ssa", "podName: web\ncommand: [\"true\"]\ntimeoutSeconds: 0\n"),
            "apply",
            "--server-side",
            "-f",
            "-");

    assertThat(changed.exitCode()).isNotZero();
    assertThat(changed.stderr())
        .contains(
            "* spec.timeoutSeconds: Invalid value: 0: spec.timeoutSeconds in body should be"
                + " greater than or equal to 1",
            "* spec: Invalid value: \"object\": spec is immutable");
    assertThat(kubectl(null, "get", "et", "ssa", "-o", "jsonpath={.spec.timeoutSeconds}").stdout())
        .isEqualTo("3600");
  }

  @Test
  void createOfASpecWithOneProblemShowsItWithoutBrackets() throws Exception {
    Run run =
        kubectl(
            task("grace", "podName: web\ncommand: [\"true\"]\nterminationGracePeriodSeconds: -1\n"),
            "create",
            "-f",
            "-");

    assertThat(run.exitCode()).isNotZero();
    assertThat(run.stderr())
        .contains(
            "The ExecTask \"grace\" is invalid: spec.terminationGracePeriodSeconds: Invalid"
                + " value: -1: spec.terminationGracePeriodSeconds in body should be greater than"
                + " or equal to 0");
  }

  @Test
  void applyOfAnUnknownFieldIsRefusedAsStrictFieldValidationDoes() throws Exception {
    Run run =
        kubectl(
            task("typo", "podName: web\ncommand: [\"true\"]\ntimeout: 5\n"), "apply", "-f", "-");

    assertThat(run.exitCode()).isNotZero();
    assertThat(run.stderr()).contains("strict decoding error: unknown field \"spec.timeout\"");
  }

  @Test
  void theDefaultsShowInGetOutput() throws Exception {
    Run applied =
        kubectl(task("defaults", "podName: web\ncommand: [\"true\"]\n"), "apply", "-f", "-");
    assertThat(applied.exitCode()).as(applied.stderr()).isZero();

    String yaml = kubectl(null, "get", "et", "defaults", "-o", "yaml").stdout();

    assertThat(yaml)
        .contains(
            "timeoutSeconds: 3600", "startTimeoutSeconds: 60", "terminationGracePeriodSeconds: 10");
  }

  @Test
  void explainDescribesASpecField() throws Exception {
    Run run = kubectl(null, "explain", "exectask.spec.timeoutSeconds");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.stdout())
        .contains("KIND:", "ExecTask", "FIELD: timeoutSeconds <integer>")
        .contains("Seconds the command may run, counted from status.startTime.");
  }

  @Test
  void explainListsTheSpecsFields() throws Exception {
    Run run = kubectl(null, "explain", "exectask.spec");

    assertThat(run.exitCode()).as(run.stderr()).isZero();
    assertThat(run.stdout())
        .contains(
            "command\t<[]string> -required-", "podSelector\t<Object>", "timeoutSeconds\t<integer>");
  }

  private static Run kubectl(String stdin, String... args) throws Exception {
    return cli.run(stdin, args);
  }
}
