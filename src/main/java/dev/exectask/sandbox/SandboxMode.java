package dev.exectask.sandbox;

import io.quarkus.runtime.Quarkus;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar quarkus-run.jar --sandbox [--sandbox-dir DIR] [--demo]}: starts a sandbox,
 * points the operator's client at it, runs the operator, and prints {@code export KUBECONFIG=...}
 * once the operator is ready. On SIGINT/SIGTERM the operator stops first, then the sandbox, so no
 * process is left on the host.
 */
public final class SandboxMode {

  public static final String FLAG = "--sandbox";
  static final String USAGE =
      "usage: java -jar quarkus-run.jar --sandbox [--sandbox-dir DIR] [--demo]\n"
          + "  --sandbox-dir DIR  where the kubeconfig and the node's files go"
          + " (default: target/sandbox)\n"
          + "  --demo             also run a few sample ExecTasks and print how each ended";

  private static final long CLOSE_WAIT_SECONDS = 30;

  private static volatile Running running;

  /** What the started sandbox application needs to know. */
  record Running(Sandbox sandbox, boolean demo, PrintStream out) {}

  /** Parsed command line. */
  record Options(Path directory, boolean demo, boolean help) {

    static Options parse(String... args) {
      Path directory = Path.of("target", "sandbox");
      boolean demo = false;
      boolean help = false;
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        if (arg.equals(FLAG)) {
          continue;
        } else if (arg.equals("--demo")) {
          demo = true;
        } else if (arg.equals("-h") || arg.equals("--help")) {
          help = true;
        } else if (arg.equals("--sandbox-dir") && i + 1 < args.length) {
          directory = Path.of(args[++i]);
        } else if (arg.startsWith("--sandbox-dir=") && arg.length() > "--sandbox-dir=".length()) {
          directory = Path.of(arg.substring("--sandbox-dir=".length()));
        } else {
          throw new IllegalArgumentException(
              arg.equals("--sandbox-dir")
                  ? "--sandbox-dir needs a directory"
                  : "unknown argument: " + arg);
        }
      }
      return new Options(directory.toAbsolutePath(), demo, help);
    }
  }

  private SandboxMode() {}

  static Running running() {
    return running;
  }

  /** Runs the sandbox mode and exits the JVM with its status. */
  public static void main(String... args) {
    int status = run(System.out, System.err, args);
    if (status != 0) {
      System.exit(status);
    }
  }

  static int run(PrintStream out, PrintStream err, String... args) {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      err.println(USAGE);
      return 2;
    }
    if (options.help()) {
      out.println(USAGE);
      return 0;
    }
    String os = System.getProperty("os.name", "");
    if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
      err.println(
          "The sandbox runs pods as Linux PID namespaces and needs Linux; this machine runs "
              + os
              + ". Use a cluster (or a Linux VM) instead.");
      return 1;
    }
    Sandbox sandbox;
    try {
      sandbox = Sandbox.start(options.directory());
    } catch (Exception e) {
      err.println("The sandbox could not start: " + e.getMessage());
      return 1;
    }
    sandbox.clientProperties().forEach(System::setProperty);
    CountDownLatch operatorStopped = new CountDownLatch(1);
    // On a signal the JVM runs shutdown hooks concurrently and halts when they end: this one keeps
    // it alive until the operator has stopped and the sandbox has killed every container.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    operatorStopped.await(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  sandbox.close();
                },
                "sandbox-shutdown"));
    running = new Running(sandbox, options.demo(), out);
    int[] exitCode = {0};
    try {
      Quarkus.run(
          null,
          (code, failure) -> {
            exitCode[0] = code;
            if (failure != null) {
              failure.printStackTrace(err);
            }
          });
    } finally {
      operatorStopped.countDown();
      sandbox.close();
    }
    return exitCode[0];
  }
}
