package dev.exectask.exec;

import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.scripts.KillReport;
import java.util.concurrent.CompletableFuture;

/**
 * Every side effect the operator has on a container. None of these calls blocks: each returns at
 * once and completes when the exec it opened ends.
 */
public interface ContainerProcesses {

  /** Runs the task's command under the in-container wrapper; {@code live} shows its output. */
  CompletableFuture<CommandOutcome> run(
      ExecTarget target, String taskUid, ExecTaskSpec spec, LiveOutput live);

  /**
   * Finds out at once, after an operator restart or a lost connection, how the command is doing and
   * what it has written. It never waits for the command: when to look again is the caller's.
   */
  CompletableFuture<ObservedCommand> observe(ExecTarget target, String taskUid);

  /** SIGTERM, grace period, SIGKILL to the command's whole tree; completes once none is left. */
  CompletableFuture<KillReport> killTree(ExecTarget target, String taskUid, long graceSeconds);
}
