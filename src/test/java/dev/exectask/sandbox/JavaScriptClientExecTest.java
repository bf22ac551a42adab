package dev.exectask.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.exectask.testing.HostProcess;
import dev.exectask.testing.TestPods;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The leak this project exists for, reproduced with the client that has it: the JavaScript client
 * ({@code @kubernetes/client-node}) execs through the sandbox over verified HTTPS, closes the
 * websocket, and the command runs on. Needs node and npm, and the npm registry the first time.
 */
class JavaScriptClientExecTest {

  private static final Path SOURCES = Path.of("src", "test", "js");
  private static final Path CLIENT = Path.of("target", "js-client");
  private static final Duration NPM_TIMEOUT = Duration.ofMinutes(3);

  private static Sandbox sandbox;

  @BeforeAll
  static void installTheClientAndStartASandbox() throws Exception {
    assumeTrue(onPath("node") && onPath("npm"), "node or npm is not on the PATH");
    installClient();
    sandbox = Sandbox.start(Files.createTempDirectory("sandbox-js"));
    sandbox.client().resource(TestPods.pod("box")).create();
    sandbox
        .client()
        .pods()
        .withName("box")
        .waitUntilCondition(TestPods::isReady, 30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    if (sandbox != null) {
      sandbox.close();
    }
  }

  @Test
  void closingTheExecWebsocketLeavesTheCommandRunning() throws Exception {
    Set<Long> before = sandbox.hostPids("default", "box", "main");
    ProcessBuilder node =
        new ProcessBuilder(
                "node",
                "exec-and-close.mjs",
                "default",
                "box",
                "main",
                "sh",
                "-c",
                "sleep 300 & sleep 300")
            .directory(CLIENT.toFile())
            .redirectErrorStream(true);
    // The sandbox's kubeconfig as a user has it: CA data, a token, no TLS check skipped.
    node.environment().put("KUBECONFIG", sandbox.kubeconfig().toString());
    Process script = node.start();
    List<String> output = new CopyOnWriteArrayList<>();
    CompletableFuture.runAsync(() -> readLines(script, output));
    Set<Long> started = new HashSet<>();
    try {
      await()
          .atMost(Duration.ofSeconds(30))
          .failFast("the script ended: " + output, () -> !script.isAlive())
          .until(
              () -> {
                started.clear();
                started.addAll(sandbox.hostPids("default", "box", "main"));
                started.removeAll(before);
                return output.contains("opened")
                    && commands(started).stream().filter("sleep"::equals).count() == 2;
              });

      try (OutputStream stdin = script.getOutputStream()) {
        stdin.write("close\n".getBytes(StandardCharsets.UTF_8));
      }
      assertThat(script.waitFor(30, TimeUnit.SECONDS)).as("the script ended").isTrue();
      assertThat(script.exitValue()).as("exit code, output: %s", output).isZero();
      assertThat(output).contains("closed");

      await()
          .during(Duration.ofSeconds(2))
          .atMost(Duration.ofSeconds(5))
          .until(() -> started.stream().allMatch(pid -> HostProcess.of(pid).isPresent()));
      assertThat(commands(started)).contains("sh", "sleep", "sleep");
    } finally {
      script.destroyForcibly();
      started.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
    }
  }

  /** Copies the script and its locked dependencies under target/ and runs {@code npm ci}. */
  private static void installClient() throws Exception {
    Files.createDirectories(CLIENT);
    for (String file : List.of("package.json", "package-lock.json", "exec-and-close.mjs")) {
      Files.copy(SOURCES.resolve(file), CLIENT.resolve(file), StandardCopyOption.REPLACE_EXISTING);
    }
    Path installed = CLIENT.resolve("node_modules/@kubernetes/client-node/package.json");
    Path lock = CLIENT.resolve("node_modules/.package-lock.json");
    if (Files.exists(installed)
        && Files.exists(lock)
        && Files.getLastModifiedTime(lock)
                .compareTo(Files.getLastModifiedTime(SOURCES.resolve("package-lock.json")))
            >= 0) {
      return;
    }
    Process npm =
        new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
            .directory(CLIENT.toFile())
            .redirectErrorStream(true)
            .start();
    List<String> output = new CopyOnWriteArrayList<>();
    CompletableFuture<Void> reader = CompletableFuture.runAsync(() -> readLines(npm, output));
    boolean ended = npm.waitFor(NPM_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    if (!ended) {
      npm.destroyForcibly();
    }
    reader.get(10, TimeUnit.SECONDS);
    assumeTrue(
        ended && npm.exitValue() == 0,
        () ->
            "npm could not install @kubernetes/client-node (is the registry reachable?): "
                + String.join("\n", output));
  }

  private static void readLines(Process process, List<String> lines) {
    try (BufferedReader reader =
        new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      reader.lines().forEach(lines::add);
    } catch (IOException ended) {
      // the process ended
    }
  }

  private static boolean onPath(String command) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  /** The command names (/proc/PID/comm) of host processes. */
  private static List<String> commands(Set<Long> pids) {
    List<String> names = new ArrayList<>();
    for (long pid : pids) {
      try {
        names.add(Files.readString(Path.of("/proc", Long.toString(pid), "comm")).trim());
      } catch (IOException gone) {
        // exited meanwhile
      }
    }
    return names;
  }
}
