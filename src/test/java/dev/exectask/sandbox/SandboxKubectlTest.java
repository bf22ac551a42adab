package dev.exectask.sandbox;

import static dev.exectask.testing.SandboxKubectl.assertOk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exectask.testing.SandboxKubectl;
import dev.exectask.testing.SandboxKubectl.Run;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** kubectl, as a user runs it against the sandbox's kubeconfig. */
class SandboxKubectlTest {

  private static final String POD =
      """
      apiVersion: v1
      kind: Pod
      metadata:
        name: web
        labels: {app: web}
      spec:
        containers:
        - name: main
          image: busybox
      """;

  private static final String TASK =
      """
      apiVersion: exectask.dev/v1alpha1
      kind: ExecTask
      metadata:
        name: hello
      spec:
        podName: web
        command: [sh, -c, "echo hello"]
      """;

  private static SandboxKubectl cli;

  @BeforeAll
  static void start() throws IOException {
    cli = SandboxKubectl.start("sandbox-kubectl");
  }

  @AfterAll
  static void stop() {
    if (cli != null) {
      cli.close();
    }
  }

  @Test
  void aUserCreatesInspectsExecsWaitsAndDeletes() throws Exception {
    assertOk(kubectl(POD, "create", "-f", "-"));
    assertOk(kubectl(TASK, "apply", "-f", "-"));

    assertOk(kubectl(null, "wait", "--for=condition=Ready", "pod/web", "--timeout=30s"));
    assertThat(kubectl(null, "get", "pods").stdout())
        .containsPattern("NAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+AGE")
        .containsPattern("web\\s+1/1\\s+Running\\s+0");
    assertThat(kubectl(null, "get", "et").stdout())
        .containsPattern("NAME\\s+POD\\s+PHASE\\s+EXIT\\s+DURATION\\s+AGE")
        .contains("hello");
    assertThat(
            kubectl(null, "get", "exectask", "hello", "-o", "jsonpath={.spec.command[2]}").stdout())
        .isEqualTo("echo hello");
    assertThat(kubectl(null, "describe", "pod", "web").stdout())
        .contains("Name:", "web", "Containers:");
    assertThat(kubectl(null, "describe", "et", "hello").stdout()).contains("Pod Name:", "web");

    Run exec = kubectl(null, "exec", "web", "--", "sh", "-c", "echo out; echo err >&2; exit 3");
    assertThat(exec.exitCode()).isEqualTo(3);
    assertThat(exec.stdout()).isEqualTo("out\n");
    assertThat(exec.stderr()).contains("err\n", "command terminated with exit code 3");
    assertThat(kubectl("from stdin\n", "exec", "-i", "web", "--", "cat").stdout())
        .isEqualTo("from stdin\n");
    assertThat(kubectl(null, "exec", "web", "--", "no-such-command").stderr())
        .contains("executable file not found in $PATH");

    Run changed = kubectl(TASK.replace("echo hello", "echo changed"), "apply", "-f", "-");
    assertThat(changed.exitCode()).isNotZero();
    assertThat(changed.stderr()).contains("spec is immutable");

    assertOk(kubectl(null, "delete", "et", "hello", "--wait=true", "--timeout=30s"));
    assertOk(kubectl(null, "delete", "pod", "web", "--wait=true", "--timeout=30s"));
    assertThat(kubectl(null, "get", "pod", "web").stderr()).contains("pods \"web\" not found");
  }

  /** kubectl's typed commands send protobuf, as to any API server. */
  @Test
  void aUserCreatesBuiltInObjectsWithKubectlsOwnCommands() throws Exception {
    assertOk(kubectl(null, "create", "namespace", "team-a"));
    assertThat(kubectl(null, "get", "namespace", "team-a").stdout())
        .containsPattern("team-a\\s+Active");
    assertOk(inTeam("create", "configmap", "c", "--from-literal=k=v"));
    assertThat(field("cm", "c", "{.data.k}")).isEqualTo("v");
    assertOk(inTeam("create", "secret", "generic", "s", "--from-literal=pw=hunter2"));
    assertThat(field("secret", "s", "{.data.pw}")).isEqualTo("aHVudGVyMg==");
    assertOk(inTeam("create", "deployment", "web", "--image=busybox", "--replicas=2"));
    assertThat(
            field(
                "deployment", "web", "{.spec.replicas} {.spec.template.spec.containers[0].image}"))
        .isEqualTo("2 busybox");
    assertOk(inTeam("create", "serviceaccount", "robot"));
    assertOk(inTeam("create", "role", "exec", "--verb=create", "--resource=pods/exec"));
    assertOk(
        inTeam(
            "create", "rolebinding", "robot-exec", "--role=exec", "--serviceaccount=team-a:robot"));
    assertThat(field("rolebinding", "robot-exec", "{.roleRef.name} {.subjects[0].name}"))
        .isEqualTo("exec robot");
    assertThat(kubectl(null, "auth", "can-i", "create", "pods/exec").stdout()).isEqualTo("yes\n");
    assertOk(kubectl(null, "delete", "namespace", "team-a", "--wait=false"));
  }

  @Test
  void kubectlLogsShowsWhatTheContainersInitWrote() throws Exception {
    assertOk(
        kubectl(
            null,
            "run",
            "talker",
            "--image=busybox",
            "--",
            "sh",
            "-c",
            "echo one; echo two >&2; echo three; exec sleep 1000"));
    assertOk(kubectl(null, "wait", "--for=condition=Ready", "pod/talker", "--timeout=30s"));

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(kubectl(null, "logs", "talker").stdout())
                    .isEqualTo("one\ntwo\nthree\n"));
    assertThat(kubectl(null, "logs", "talker", "--tail=1").stdout()).isEqualTo("three\n");
    assertThat(kubectl(null, "logs", "talker", "--previous").stderr())
        .contains("previous terminated container \"talker\" in pod \"talker\" not found");
    assertThat(kubectl(null, "logs", "nobody").stderr()).contains("pods \"nobody\" not found");
    assertOk(kubectl(null, "delete", "pod", "talker", "--wait=false"));
  }

  /** kubectl in namespace team-a. */
  private static Run inTeam(String... args) throws Exception {
    String[] all = new String[args.length + 2];
    all[0] = "-n";
    all[1] = "team-a";
    System.arraycopy(args, 0, all, 2, args.length);
    return kubectl(null, all);
  }

  /** A JSONPath of one object of namespace team-a, as kubectl prints it. */
  private static String field(String kind, String name, String jsonPath) throws Exception {
    return inTeam("get", kind, name, "-o", "jsonpath=" + jsonPath).stdout();
  }

  private static Run kubectl(String stdin, String... args) throws Exception {
    return cli.run(stdin, args);
  }
}
