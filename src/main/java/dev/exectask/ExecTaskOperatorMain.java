package dev.exectask;

import dev.exectask.sandbox.SandboxMode;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.util.Arrays;

/**
 * Starts the operator; with {@code --sandbox}, first starts a one-process Kubernetes for it to run
 * against (see {@link SandboxMode}).
 */
@QuarkusMain
public final class ExecTaskOperatorMain {

  private ExecTaskOperatorMain() {}

  public static void main(String... args) {
    if (Arrays.asList(args).contains(SandboxMode.FLAG)) {
      SandboxMode.main(args);
    } else {
      Quarkus.run(args);
    }
  }
}
