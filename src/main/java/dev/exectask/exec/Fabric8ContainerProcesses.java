package dev.exectask.exec;

import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.api.v1alpha1.Reasons;
import dev.exectask.scripts.CommandObservation;
import dev.exectask.scripts.InContainerScripts;
import dev.exectask.scripts.KillReport;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.PodResource;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/** {@link ContainerProcesses} over the pods/exec API, through the fabric8 client. */
public final class Fabric8ContainerProcesses implements ContainerProcesses {

  /** What the killer and the observer print is one short line; more is a sign of trouble. */
  private static final int SCRIPT_OUTPUT_BYTES = 16 * 1024;

  /** The killer waits the grace period, then a few seconds for SIGKILL to land. */
  private static final long KILL_TIMEOUT_MARGIN_SECONDS = 60;

  private final KubernetesClient client;
  private final Executor connector;
  private final Clock clock;
  private final int outputTailBytes;

  /**
   * @param connector runs the blocking part of opening an exec (fabric8 waits for the pod and the
   *     websocket handshake), so callers never block
   */
  public Fabric8ContainerProcesses(
      KubernetesClient client, Executor connector, Clock clock, int outputTailBytes) {
    this.client = client;
    this.connector = connector;
    this.clock = clock;
    this.outputTailBytes = outputTailBytes;
  }

  @Override
  public CompletableFuture<CommandOutcome> run(
      ExecTarget target, String taskUid, ExecTaskSpec spec) {
    byte[] stdin =
        spec.getStdin() == null ? null : spec.getStdin().getBytes(StandardCharsets.UTF_8);
    List<Map.Entry<String, String>> env =
        spec.getEnv() == null
            ? List.of()
            : spec.getEnv().stream()
                .map(e -> Map.entry(e.getName(), e.getValue() == null ? "" : e.getValue()))
                .collect(Collectors.toList());
    List<String> argv =
        InContainerScripts.wrapperCommand(
            taskUid,
            spec.getCommand(),
            env,
            spec.getWorkingDir(),
            stdin == null ? null : stdin.length);
    OutputTail out = new OutputTail(outputTailBytes);
    OutputTail err = new OutputTail(outputTailBytes);
    return exec(target, argv, stdin, out, err)
        .thenApply(
            end -> {
              if (end.startFailure() != null) {
                return startFailed(end.startFailure());
              }
              if (end.exitCode() != null && end.exitCode() >= 0) {
                return new CommandOutcome.Exited(
                    end.exitCode(), out.captured(), err.captured(), clock.instant());
              }
              if (end.status() != null) {
                return startFailed(end.status().getMessage());
              }
              return new CommandOutcome.ConnectionLost(
                  end.describe(), out.captured(), err.captured());
            });
  }

  @Override
  public CompletableFuture<CommandObservation> observe(ExecTarget target, String taskUid) {
    OutputTail out = new OutputTail(SCRIPT_OUTPUT_BYTES);
    OutputTail err = new OutputTail(SCRIPT_OUTPUT_BYTES);
    return exec(target, InContainerScripts.observerCommand(taskUid), null, out, err)
        .thenApply(
            end -> {
              end.requireSuccess("observer", err);
              return InContainerScripts.parseObservation(out.captured().tail());
            });
  }

  @Override
  public CompletableFuture<KillReport> killTree(
      ExecTarget target, String taskUid, long graceSeconds) {
    OutputTail out = new OutputTail(SCRIPT_OUTPUT_BYTES);
    OutputTail err = new OutputTail(SCRIPT_OUTPUT_BYTES);
    return exec(target, InContainerScripts.killerCommand(taskUid, graceSeconds), null, out, err)
        .orTimeout(
            Math.min(graceSeconds, Long.MAX_VALUE / 2) + KILL_TIMEOUT_MARGIN_SECONDS,
            TimeUnit.SECONDS)
        .thenApply(
            end -> {
              // The killer exits 1 when processes survive SIGKILL; its report says how many.
              if (end.startFailure() != null || end.exitCode() == null || end.exitCode() < 0) {
                end.requireSuccess("killer", err);
              }
              return InContainerScripts.parseKillReport(out.captured().tail());
            });
  }

  /**
   * A runtime that cannot find the wrapper's shell reports it as the OCI runtime's "executable file
   * not found" (or "no such file or directory" for a path): the container has no /bin/sh.
   */
  static CommandOutcome.StartFailed startFailed(String message) {
    String text = message == null ? "the exec failed without a message" : message;
    boolean noShell =
        text.contains("executable file not found") || text.contains("no such file or directory");
    if (noShell) {
      return new CommandOutcome.StartFailed(
          Reasons.SHELL_NOT_FOUND,
          "The container has no POSIX shell (sh), which the task's wrapper needs: " + text);
    }
    return new CommandOutcome.StartFailed(Reasons.EXEC_ERROR, text);
  }

  private CompletableFuture<ExecEnd> exec(
      ExecTarget target, List<String> argv, byte[] stdin, OutputTail out, OutputTail err) {
    AtomicReference<Status> status = new AtomicReference<>();
    return CompletableFuture.supplyAsync(
            () -> {
              PodResource pod =
                  client.pods().inNamespace(target.namespace()).withName(target.pod());
              var container = pod.inContainer(target.container());
              var withInput =
                  stdin == null
                      ? container
                      : container.readingInput(new ByteArrayInputStream(stdin));
              return withInput
                  .writingOutput(out)
                  .writingError(err)
                  .usingListener(
                      new ExecListener() {
                        @Override
                        public void onExit(int code, Status exitStatus) {
                          status.set(exitStatus);
                        }

                        @Override
                        public void onClose(int code, String reason) {
                          // The exit code future reports the end; nothing else to do.
                        }
                      })
                  .exec(argv.toArray(String[]::new));
            },
            connector)
        .handle(
            (watch, openFailure) -> {
              if (openFailure != null) {
                return CompletableFuture.completedFuture(ExecEnd.failedToOpen(openFailure));
              }
              return watch
                  .exitCode()
                  .handle(
                      (code, failure) -> {
                        watch.close();
                        return new ExecEnd(code, status.get(), null, failure);
                      });
            })
        .thenCompose(f -> f);
  }

  /** What one exec connection reported when it ended. */
  private record ExecEnd(Integer exitCode, Status status, String startFailure, Throwable failure) {

    static ExecEnd failedToOpen(Throwable t) {
      Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
      String message =
          cause instanceof KubernetesClientException kce && kce.getStatus() != null
              ? kce.getStatus().getMessage()
              : cause.getMessage();
      return new ExecEnd(null, null, message == null ? cause.toString() : message, cause);
    }

    String describe() {
      if (failure != null) {
        return "the exec connection failed: " + failure.getMessage();
      }
      return "the exec connection closed without an exit status";
    }

    void requireSuccess(String what, OutputTail err) {
      if (startFailure != null) {
        throw new IllegalStateException(what + " could not start: " + startFailure, failure);
      }
      if (exitCode == null || exitCode != 0) {
        String detail = status != null ? status.getMessage() : describe();
        throw new IllegalStateException(
            what + " failed: " + detail + "; stderr: " + err.captured().tail().strip());
      }
    }
  }
}
