package dev.exectask.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.exectask.sandbox.Sandbox;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * kubectl as a user runs it against a sandbox of its own: the sandbox's kubeconfig, and a home and
 * discovery cache in a temporary directory so that nothing of the machine's kubectl setup leaks in.
 */
public final class SandboxKubectl implements AutoCloseable {

  /** How a kubectl invocation ended. */
  public record Run(int exitCode, String stdout, String stderr) {}

  private final Path work;
  private final Sandbox sandbox;

  private SandboxKubectl(Path work, Sandbox sandbox) {
    this.work = work;
    this.sandbox = sandbox;
  }

  /** Starts a sandbox in a new temporary directory; skips the test where kubectl is missing. */
  public static SandboxKubectl start(String directoryPrefix) throws IOException {
    assumeTrue(onPath("kubectl"), "kubectl is not on the PATH: the kubectl tests are skipped");
    Path work = Files.createTempDirectory(directoryPrefix);
    return new SandboxKubectl(work, Sandbox.start(work.resolve("sandbox")));
  }

  public Sandbox sandbox() {
    return sandbox;
  }

  /** Runs {@code kubectl ARGS}, with {@code stdin} (none if null) as its input. */
  public Run run(String stdin, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("kubectl"));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("KUBECONFIG", sandbox.kubeconfig().toString());
    builder.environment().put("KUBECACHEDIR", work.resolve("kube-cache").toString());
    builder.environment().put("HOME", work.toString());
    Process process = builder.start();
    try (var in = process.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    var stdout = process.getInputStream().readAllBytes();
    var stderr = process.getErrorStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Run(
        process.exitValue(),
        new String(stdout, StandardCharsets.UTF_8),
        new String(stderr, StandardCharsets.UTF_8));
  }

  public static void assertOk(Run run) {
    assertThat(run.exitCode()).as("kubectl failed: %s", run.stderr()).isZero();
  }

  public static boolean onPath(String program) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() {
    sandbox.close();
  }
}
