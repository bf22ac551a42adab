package dev.exectask.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/** The command line of {@code --sandbox}. */
class SandboxModeTest {

  @Test
  void aStartFailureSaysWhatWentWrongUnderneath() {
    Exception failure =
        new RuntimeException(
            "An error has occurred.",
            new java.io.IOException(
                "Failed to create SSL connection",
                new IllegalStateException(
                    (String) null, new java.net.BindException("Address already in use"))));

    assertThat(SandboxMode.causes(failure))
        .isEqualTo(
            "An error has occurred.: Failed to create SSL connection: IllegalStateException:"
                + " Address already in use");
  }

  @Test
  void defaultsToTargetSandboxUnderTheWorkingDirectory() {
    SandboxMode.Options options = SandboxMode.Options.parse("--sandbox");

    assertThat(options.directory()).isEqualTo(Path.of("target", "sandbox").toAbsolutePath());
    assertThat(options.demo()).isFalse();
  }

  @Test
  void takesADirectoryInEitherFormAndTheDemoFlag() {
    assertThat(SandboxMode.Options.parse("--sandbox", "--sandbox-dir", "/tmp/a").directory())
        .isEqualTo(Path.of("/tmp/a"));
    assertThat(SandboxMode.Options.parse("--sandbox-dir=/tmp/b", "--sandbox", "--demo"))
        .isEqualTo(new SandboxMode.Options(Path.of("/tmp/b"), true, true, false));
  }

  @Test
  void badArgumentsPrintTheUsageAndExitWithTwo() {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errors = new PrintStream(err, true, StandardCharsets.UTF_8);

    int unknown = SandboxMode.run(System.out, errors, "--sandbox", "--demon");
    int missing = SandboxMode.run(System.out, errors, "--sandbox", "--sandbox-dir");

    assertThat(unknown).isEqualTo(2);
    assertThat(missing).isEqualTo(2);
    assertThat(err.toString(StandardCharsets.UTF_8))
        .contains("unknown argument: --demon", "--sandbox-dir needs a directory", "usage:");
  }

  @Test
  void noOperatorRunsTheClusterOnlyAndRefusesTheDemo() {
    assertThat(SandboxMode.Options.parse("--sandbox", "--no-operator").operator()).isFalse();
    assertThat(SandboxMode.Options.parse("--sandbox").operator()).isTrue();
    assertThatThrownBy(() -> SandboxMode.Options.parse("--sandbox", "--no-operator", "--demo"))
        .hasMessage("--demo needs the operator: drop --no-operator");
  }

  @Test
  void theOperatorsHttpTakesAFreePortOnLoopbackUnlessTheUserGaveOne() {
    Properties none = new Properties();
    Properties flag = new Properties();
    flag.setProperty("quarkus.http.port", "9091");

    assertThat(SandboxMode.OperatorHttp.of(none, Map.of()))
        .isEqualTo(new SandboxMode.OperatorHttp("127.0.0.1", 0, false));
    assertThat(SandboxMode.OperatorHttp.of(flag, Map.of("QUARKUS_HTTP_PORT", "9092")))
        .isEqualTo(new SandboxMode.OperatorHttp("127.0.0.1", 9091, true));
    assertThat(
            SandboxMode.OperatorHttp.of(
                none, Map.of("QUARKUS_HTTP_PORT", "9092", "QUARKUS_HTTP_HOST", "0.0.0.0")))
        .isEqualTo(new SandboxMode.OperatorHttp("0.0.0.0", 9092, true));
    flag.setProperty("quarkus.http.port", "http");
    assertThatThrownBy(() -> SandboxMode.OperatorHttp.of(flag, Map.of()))
        .hasMessage("quarkus.http.port must be a port number (0 for a free one), not: http");
  }

  @Test
  void aTakenPortIsOneClearLine() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
      int port = taken.getLocalPort();

      Optional<String> problem =
          new SandboxMode.OperatorHttp("127.0.0.1", port, true).unavailable();

      assertThat(problem)
          .hasValue(
              "Port "
                  + port
                  + " on 127.0.0.1 is already in use (another sandbox or operator?): give another"
                  + " one with -Dquarkus.http.port=N, or leave it out for a free one.");
    }
    assertThat(new SandboxMode.OperatorHttp("127.0.0.1", 0, false).unavailable()).isEmpty();
  }
}
