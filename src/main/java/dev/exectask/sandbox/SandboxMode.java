package dev.exectask.sandbox;

import io.quarkus.runtime.Quarkus;
import java.io.IOException;
import java.io.PrintStream;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code java -jar quarkus-run.jar --sandbox [--sandbox-dir DIR] [--demo] [--no-operator]}: starts
 * a sandbox, points the operator's client at it, runs the operator (its HTTP on 127.0.0.1, a free
 * port unless one is given), and prints {@code export KUBECONFIG=...} once the operator is ready.
 * With {@code --no-operator} only the sandbox runs, for operators started as their own processes.
 * On SIGINT/SIGTERM the operator stops first, then the sandbox, so no process is left on the host.
 */
public final class SandboxMode {

  public static final String FLAG = "--sandbox";
  static final String USAGE =
      "usage: java -jar quarkus-run.jar --sandbox [--sandbox-dir DIR] [--demo] [--no-operator]\n"
          + "  --sandbox-dir DIR  where the kubeconfig and the node's files go"
          + " (default: target/sandbox)\n"
          + "  --demo             also run a few sample ExecTasks and print how each ended\n"
          + "  --no-operator      the API and the node only: run operators yourself with\n"
          + "                     KUBECONFIG=DIR/kubeconfig java -jar quarkus-run.jar";

  static final String HTTP_HOST = "quarkus.http.host";
  static final String HTTP_PORT = "quarkus.http.port";

  private static final long CLOSE_WAIT_SECONDS = 30;

  private static volatile Running running;

  /** What the started sandbox application needs to know. */
  record Running(Sandbox sandbox, boolean demo, PrintStream out) {}

  /** Parsed command line. */
  record Options(Path directory, boolean demo, boolean operator, boolean help) {

    static Options parse(String... args) {
      Path directory = Path.of("target", "sandbox");
      boolean demo = false;
      boolean operator = true;
      boolean help = false;
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        if (arg.equals(FLAG)) {
          continue;
        } else if (arg.equals("--demo")) {
          demo = true;
        } else if (arg.equals("--no-operator")) {
          operator = false;
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
      if (demo && !operator) {
        throw new IllegalArgumentException("--demo needs the operator: drop --no-operator");
      }
      return new Options(directory.toAbsolutePath(), demo, operator, help);
    }
  }

  /**
   * Where the operator's HTTP (health, metrics) listens in sandbox mode: 127.0.0.1 and a free port,
   * so that sandboxes run side by side, unless the user set them ({@code -Dquarkus.http.port=N},
   * {@code QUARKUS_HTTP_PORT}).
   */
  record OperatorHttp(String host, int port, boolean portGiven) {

    static OperatorHttp of(Properties system, Map<String, String> environment) {
      String host = given(system, environment, HTTP_HOST).orElse("127.0.0.1");
      Optional<String> port = given(system, environment, HTTP_PORT);
      if (port.isEmpty()) {
        return new OperatorHttp(host, 0, false);
      }
      try {
        int number = Integer.parseInt(port.get().trim());
        if (number < 0 || number > 65535) {
          throw new NumberFormatException();
        }
        return new OperatorHttp(host, number, true);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            HTTP_PORT + " must be a port number (0 for a free one), not: " + port.get());
      }
    }

    private static Optional<String> given(
        Properties system, Map<String, String> environment, String property) {
      String value = system.getProperty(property);
      if (value == null) {
        value = environment.get(property.toUpperCase(Locale.ROOT).replace('.', '_'));
      }
      return Optional.ofNullable(value).filter(v -> !v.isBlank());
    }

    /** Empty when the port can be bound; otherwise the one line to tell the user. */
    Optional<String> unavailable() {
      if (port == 0) {
        return Optional.empty();
      }
      try (ServerSocket socket = new ServerSocket()) {
        socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
        return Optional.empty();
      } catch (BindException e) {
        return Optional.of(taken(host, port));
      } catch (IOException e) {
        return Optional.of(
            "The operator's HTTP cannot listen on " + host + ":" + port + ": " + e.getMessage());
      }
    }

    static String taken(String host, int port) {
      return "Port "
          + port
          + " on "
          + host
          + " is already in use (another sandbox or operator?): give another one with"
          + " -Dquarkus.http.port=N, or leave it out for a free one.";
    }

    /** The Quarkus configuration, as system properties: Quarkus reads them at start. */
    void apply(Properties system) {
      system.setProperty(HTTP_HOST, host);
      system.setProperty(HTTP_PORT, Integer.toString(port));
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
    OperatorHttp http = null;
    if (options.operator()) {
      try {
        http = OperatorHttp.of(System.getProperties(), System.getenv());
      } catch (IllegalArgumentException e) {
        err.println(e.getMessage());
        return 2;
      }
      Optional<String> unavailable = http.unavailable();
      if (unavailable.isPresent()) {
        err.println(unavailable.get());
        return 1;
      }
    }
    Sandbox sandbox;
    try {
      sandbox = Sandbox.start(options.directory());
    } catch (Exception e) {
      err.println("The sandbox could not start: " + causes(e));
      return 1;
    }
    if (!options.operator()) {
      return clusterOnly(sandbox, out);
    }
    http.apply(System.getProperties());
    return withOperator(sandbox, options, http, out, err);
  }

  /** {@code --no-operator}: the API and the node run until a signal stops the JVM. */
  private static int clusterOnly(Sandbox sandbox, PrintStream out) {
    CountDownLatch closed = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  sandbox.close();
                  closed.countDown();
                },
                "sandbox-shutdown"));
    out.println("API server: " + sandbox.url() + " (no operator: start one with the kubeconfig)");
    out.println("export KUBECONFIG=" + sandbox.kubeconfig());
    out.flush();
    try {
      closed.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      sandbox.close();
    }
    return 0;
  }

  private static int withOperator(
      Sandbox sandbox, Options options, OperatorHttp http, PrintStream out, PrintStream err) {
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
            if (failure == null) {
              return;
            }
            if (causedBy(failure, BindException.class)) {
              // Taken between the check and Quarkus's own bind: still one line, no stack trace.
              err.println(OperatorHttp.taken(http.host(), http.port()));
              exitCode[0] = 1;
            } else {
              failure.printStackTrace(err);
            }
          });
    } finally {
      operatorStopped.countDown();
      sandbox.close();
    }
    return exitCode[0];
  }

  private static boolean causedBy(Throwable failure, Class<? extends Throwable> type) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  /** The messages of a failure and its causes, each once: fabric8's own says only "An error". */
  static String causes(Throwable failure) {
    java.util.LinkedHashSet<String> messages = new java.util.LinkedHashSet<>();
    for (Throwable t = failure; t != null && messages.size() < 6; t = t.getCause()) {
      messages.add(t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName());
      if (t.getCause() == t) {
        break;
      }
    }
    return String.join(": ", messages);
  }
}
