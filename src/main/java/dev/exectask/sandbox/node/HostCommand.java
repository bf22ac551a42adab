package dev.exectask.sandbox.node;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a short-lived host tool (probe, mknod, mkfifo, mount) and reports how it ended. */
final class HostCommand {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** How a tool ended: its exit status (-1 when it did not end in time) and its merged output. */
  record Result(int exitCode, String output) {
    boolean succeeded() {
      return exitCode == 0;
    }
  }

  private HostCommand() {}

  static Result run(List<String> argv, Map<String, String> environment) {
    File output;
    try {
      output = File.createTempFile("sandbox-node", ".out");
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    }
    Process process = null;
    try {
      ProcessBuilder builder =
          new ProcessBuilder(argv)
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectErrorStream(true)
              .redirectOutput(output);
      if (environment != null) {
        builder.environment().clear();
        builder.environment().putAll(environment);
      }
      process = builder.start();
      if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor();
        return new Result(-1, argv.get(0) + " did not finish within " + TIMEOUT.toSeconds() + "s");
      }
      return new Result(
          process.exitValue(), Files.readString(output.toPath(), StandardCharsets.UTF_8).strip());
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    } finally {
      output.delete();
    }
  }

  /** The absolute path of {@code name} on the JVM's own PATH, or null when it is not installed. */
  static String find(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty()) {
        Path candidate = Path.of(dir, name);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return candidate.toString();
        }
      }
    }
    return null;
  }
}
