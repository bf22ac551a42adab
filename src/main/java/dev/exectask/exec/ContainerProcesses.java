package dev.exectask.exec;

import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.scripts.CommandObservation;
import dev.exectask.scripts.KillReport;
import java.util.concurrent.CompletableFuture;

/**
 * Every side effect the operator has on a container. None of these calls blocks: each returns at
 * once and completes when the exec it opened ends.
 */
public interface ContainerProcesses {

  /** Runs the task's command under the in-container wrapper. */
  CompletableFuture<CommandOutcome> run(ExecTarget target, String taskUid, ExecTaskSpec spec);

  /** Finds out, after an operator restart or a lost connection, how the command is doing. */
  CompletableFuture<CommandObservation> observe(ExecTarget target, String taskUid);

  /** SIGTERM, grace period, SIGKILL to the command's whole tree; completes once none is left. */
  CompletableFuture<KillReport> killTree(ExecTarget target, String taskUid, long graceSeconds);
}
