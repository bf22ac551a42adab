package dev.exectask.reconciler;

import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.exec.CapturedOutput;
import dev.exectask.exec.CommandOutcome;
import dev.exectask.exec.ContainerProcesses;
import dev.exectask.exec.ExecTarget;
import dev.exectask.exec.LiveOutput;
import dev.exectask.scripts.CommandObservation;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * This operator process's memory of the execs it opened for each task (keyed by task UID), and the
 * bridge that turns their completion into a reconcile of the task. Nothing here is needed to
 * survive a restart: the status holds what cleanup and deadlines need.
 */
final class TaskExecutions {

  private static final Logger LOG = Logger.getLogger(TaskExecutions.class);

  private final ContainerProcesses processes;
  private final Clock clock;
  private final Consumer<ResourceID> wake;
  private final Map<String, Entry> byUid = new ConcurrentHashMap<>();

  /** Mutable per-task state; every read and write holds the entry's lock. */
  private static final class Entry {
    CommandState command = CommandState.UNKNOWN;
    KillState kill = KillState.NOT_REQUESTED;
    int observeAttempts;
    int runningLooks;
    String execFailure;
    Long streamedBytes;
    LiveOutput live;
  }

  TaskExecutions(ContainerProcesses processes, Clock clock, Consumer<ResourceID> wake) {
    this.processes = processes;
    this.clock = clock;
    this.wake = wake;
  }

  /** How many tasks this operator is running, observing or killing commands for. */
  int tracked() {
    return byUid.size();
  }

  CommandState command(String uid) {
    Entry entry = byUid.get(uid);
    if (entry == null) {
      return CommandState.UNKNOWN;
    }
    synchronized (entry) {
      if (entry.command instanceof CommandState.Running && entry.live != null) {
        return new CommandState.Running(entry.live.stdout(), entry.live.stderr());
      }
      return entry.command;
    }
  }

  KillState kill(String uid) {
    Entry entry = byUid.get(uid);
    if (entry == null) {
      return KillState.NOT_REQUESTED;
    }
    synchronized (entry) {
      return entry.kill;
    }
  }

  /** Starts the command unless this process already started it: a command never runs twice. */
  void start(ResourceID id, String uid, ExecTarget target, ExecTaskSpec spec) {
    Entry entry = byUid.computeIfAbsent(uid, u -> new Entry());
    synchronized (entry) {
      if (!(entry.command instanceof CommandState.Unknown)) {
        return;
      }
      entry.command = new CommandState.Running();
      entry.live = new LiveOutput();
    }
    processes
        .run(target, uid, spec, entry.live)
        .whenComplete(
            (outcome, failure) -> {
              CommandState.Finished next =
                  failure == null
                      ? new CommandState.Finished(outcome)
                      : new CommandState.Finished(
                          new CommandOutcome.ConnectionLost(
                              rootMessage(failure), CapturedOutput.NONE, CapturedOutput.NONE));
              update(
                  id,
                  uid,
                  e -> {
                    e.command = next;
                    if (next.outcome() instanceof CommandOutcome.ConnectionLost lost) {
                      e.execFailure = lost.message();
                      e.streamedBytes = lost.stdout().totalBytes() + lost.stderr().totalBytes();
                    }
                    e.live = null;
                  });
            });
  }

  void observe(ResourceID id, String uid, ExecTarget target) {
    Entry entry = byUid.computeIfAbsent(uid, u -> new Entry());
    synchronized (entry) {
      if (entry.command instanceof CommandState.Running
          || entry.command instanceof CommandState.Observing) {
        return;
      }
      entry.command = new CommandState.Observing();
    }
    processes
        .observe(target, uid)
        .whenComplete(
            (observation, failure) ->
                update(
                    id,
                    uid,
                    e -> {
                      if (failure == null) {
                        e.observeAttempts = 0;
                        e.runningLooks =
                            observation.observation() instanceof CommandObservation.StillRunning
                                ? e.runningLooks + 1
                                : 0;
                        e.command =
                            new CommandState.Observed(
                                observation,
                                e.execFailure,
                                e.streamedBytes,
                                clock.instant(),
                                e.runningLooks);
                      } else {
                        e.observeAttempts++;
                        LOG.warnf(
                            "Observing task %s in %s failed: %s", id, target, rootMessage(failure));
                        e.command =
                            new CommandState.ObserveFailed(
                                rootMessage(failure),
                                e.observeAttempts,
                                clock.instant().plus(TaskDecider.backoff(e.observeAttempts)));
                      }
                    }));
  }

  /** Kills the tree unless a kill is already running; a confirmed kill is kept, not repeated. */
  void kill(ResourceID id, String uid, ExecTarget target, long graceSeconds, Verdict verdict) {
    Entry entry = byUid.computeIfAbsent(uid, u -> new Entry());
    int attempt;
    synchronized (entry) {
      if (entry.kill instanceof KillState.InProgress || entry.kill instanceof KillState.Done) {
        return;
      }
      attempt = entry.kill instanceof KillState.Failed failed ? failed.attempts() + 1 : 1;
      entry.kill = new KillState.InProgress(verdict, attempt);
    }
    processes
        .killTree(target, uid, graceSeconds)
        .whenComplete(
            (report, failure) ->
                update(
                    id,
                    uid,
                    e -> {
                      if (failure == null && report.confirmed()) {
                        e.kill = new KillState.Done(verdict, report);
                        return;
                      }
                      String why =
                          failure != null
                              ? rootMessage(failure)
                              : report.remaining() + " processes survived SIGKILL";
                      LOG.warnf(
                          "Killing the process tree of task %s in %s failed: %s", id, target, why);
                      e.kill =
                          new KillState.Failed(
                              verdict,
                              why,
                              attempt,
                              clock.instant().plus(TaskDecider.backoff(attempt)));
                    }));
  }

  void forget(String uid) {
    byUid.remove(uid);
  }

  private void update(ResourceID id, String uid, Consumer<Entry> change) {
    Entry entry = byUid.get(uid);
    if (entry == null) {
      return;
    }
    synchronized (entry) {
      change.accept(entry);
    }
    wake.accept(id);
  }

  private static String rootMessage(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof CompletionException || t.getCause() != null && t.getMessage() == null)
        && t.getCause() != null) {
      t = t.getCause();
    }
    return t.getMessage() != null ? t.getMessage() : t.toString();
  }
}
