package dev.exectask.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The command line of {@code --sandbox}. */
class SandboxModeTest {

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
}
