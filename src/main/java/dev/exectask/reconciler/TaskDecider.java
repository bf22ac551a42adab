package dev.exectask.reconciler;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.api.v1alpha1.ExecTaskStatus;
import dev.exectask.api.v1alpha1.Phase;
import dev.exectask.api.v1alpha1.Reasons;
import dev.exectask.api.v1alpha1.SpecValidator;
import dev.exectask.exec.CapturedOutput;
import dev.exectask.exec.CommandOutcome;
import dev.exectask.exec.ExecTarget;
import dev.exectask.scripts.CommandObservation;
import dev.exectask.scripts.KillReport;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The ExecTask state machine as one pure function: given the task, what a pass observed and the
 * time, the status the task should have and the one action to take. No I/O, no clock.
 */
public final class TaskDecider {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

  /** How long to wait for a killer or observer that should report on its own, before looking. */
  private static final Duration SAFETY_RECHECK = Duration.ofSeconds(60);

  private TaskDecider() {}

  /** 1s, 2s, 4s ... at most a minute: retries of a failed kill or observation. */
  public static Duration backoff(int attempts) {
    int exponent = Math.max(0, Math.min(attempts - 1, 6));
    Duration delay = Duration.ofSeconds(1L << exponent);
    return delay.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : delay;
  }

  /** How often a running task's output reaches its status, unless configured otherwise. */
  public static final Duration PROGRESS_INTERVAL = Duration.ofSeconds(5);

  /**
   * The progress interval for one task while {@code tracked} run: {@code base}, stretched to {@code
   * tracked / writesPerSecond} where that is longer, so that all of them together write at most
   * {@code writesPerSecond} progress updates a second (no bound where it is 0 or less).
   */
  static Duration progressInterval(Duration base, double writesPerSecond, int tracked) {
    if (!(writesPerSecond > 0)) {
      return base;
    }
    Duration spread = Duration.ofMillis((long) Math.ceil(tracked * 1000.0 / writesPerSecond));
    return spread.compareTo(base) > 0 ? spread : base;
  }

  /**
   * After the n-th observation in a row that found the command running: 1s, 2s, 4s ... at most the
   * progress interval. A cut connection is noticed quickly, a long detached run costs one short
   * exec per interval.
   */
  static Duration lookAgainAfter(int looks, Duration progressInterval) {
    Duration delay = Duration.ofSeconds(1L << Math.max(0, Math.min(looks - 1, 10)));
    return delay.compareTo(progressInterval) > 0 ? progressInterval : delay;
  }

  public static Decision decide(
      ExecTask task, List<String> specProblems, Observation observed, Instant now) {
    return decide(task, specProblems, observed, now, PROGRESS_INTERVAL);
  }

  /**
   * @param progressInterval the output of a running command is written to the status at most this
   *     often, and only when it changed
   */
  public static Decision decide(
      ExecTask task,
      List<String> specProblems,
      Observation observed,
      Instant now,
      Duration progressInterval) {
    ExecTaskStatus current = task.getStatus() == null ? new ExecTaskStatus() : task.getStatus();
    Phase phase = current.getPhase();
    if (phase != null && phase.isTerminal()) {
      return finished(task, current, now);
    }
    ExecTaskStatus next = SERIALIZATION.clone(current);
    next.setObservedGeneration(task.getMetadata().getGeneration());
    if (phase == null || phase == Phase.Pending) {
      return pending(task, specProblems, observed.target(), next, now, progressInterval);
    }
    return running(task, observed, next, now, progressInterval);
  }

  public static CleanupDecision decideCleanup(ExecTask task, Observation observed, Instant now) {
    ExecTaskStatus status = task.getStatus();
    if (skipKill(task)) {
      return CleanupDecision.release(
          "KillSkipped",
          "Finalizer released without a kill, as the "
              + ExecTask.SKIP_KILL_ANNOTATION
              + " annotation asks"
              + (status != null && status.getPhase() == Phase.Running
                  ? "; processes of the task may still run in pod " + status.getPodName() + "."
                  : "."));
    }
    if (status == null || status.getPhase() != Phase.Running) {
      return CleanupDecision.release(null, null);
    }
    Verdict gone = containerGone(status, observed.target());
    if (gone != null) {
      return CleanupDecision.release(
          "Killed",
          "Task deleted while running; "
              + (observed.target() instanceof TargetState.PodTerminating
                  ? "its pod is being deleted on a node that is unreachable, so its containers"
                      + " die with it."
                  : "its container is gone, so none of its processes is left."));
    }
    ExecTarget target = targetOf(task);
    long grace = task.getSpec().effectiveTerminationGracePeriodSeconds();
    KillState kill = observed.kill();
    if (kill instanceof KillState.Done done) {
      int n = done.report().signalled();
      return CleanupDecision.release(
          "Killed",
          n == 0
              ? "Task deleted while running; no process of its tree was left to kill."
              : "Task deleted while running; killed " + processes(n) + " of its tree.");
    }
    if (kill instanceof KillState.InProgress) {
      return CleanupDecision.waitFor(Action.NONE, CLEANUP_RECHECK, null);
    }
    if (kill instanceof KillState.Failed failed) {
      // Say why the deletion waits, once per attempt: kstatus readers and kubectl describe see it.
      String why =
          "Deletion waits for the kill of the process tree in pod "
              + status.getPodName()
              + ": attempt "
              + failed.attempts()
              + " failed ("
              + failed.message()
              + "); retrying. Set the "
              + ExecTask.SKIP_KILL_ANNOTATION
              + "=true annotation to release the task without a kill.";
      ExecTaskStatus next = SERIALIZATION.clone(status);
      next.setMessage(why);
      StatusConditions.stall(next, KILL_FAILED, why, task.getMetadata().getGeneration(), now);
      if (now.isBefore(failed.retryAt())) {
        return new CleanupDecision(
            false,
            Action.NONE,
            cleanupRecheck(Duration.between(now, failed.retryAt())),
            KILL_FAILED,
            why,
            next);
      }
      return new CleanupDecision(
          false, new Action.KillTree(target, grace, null), CLEANUP_RECHECK, KILL_FAILED, why, next);
    }
    return CleanupDecision.waitFor(new Action.KillTree(target, grace, null), CLEANUP_RECHECK, null);
  }

  /**
   * A deletion in progress is looked at again at least this often, though nothing reports then: an
   * annotation added to a task being deleted (skip-kill) raises no event the operator acts on.
   */
  static final Duration CLEANUP_RECHECK = Duration.ofSeconds(5);

  private static Duration cleanupRecheck(Duration wait) {
    return wait.compareTo(CLEANUP_RECHECK) < 0 ? wait : CLEANUP_RECHECK;
  }

  /**
   * The reason of the Stalled condition (and the Event) while a kill fails: a deletion waiting on
   * it, or a running task whose kill at its deadline or after its exit is being retried.
   */
  static final String KILL_FAILED = "KillFailed";

  private static boolean skipKill(ExecTask task) {
    var annotations = task.getMetadata().getAnnotations();
    return annotations != null
        && "true".equalsIgnoreCase(annotations.get(ExecTask.SKIP_KILL_ANNOTATION));
  }

  private static Decision finished(ExecTask task, ExecTaskStatus current, Instant now) {
    Integer ttl = task.getSpec() == null ? null : task.getSpec().getTtlSecondsAfterFinished();
    Instant completed = Times.parse(current.getCompletionTime());
    if (ttl == null || completed == null) {
      return new Decision(current, Action.NONE, null);
    }
    Instant expiry = Times.plus(completed, ttl);
    if (!now.isBefore(expiry)) {
      return new Decision(current, new Action.Delete(), null);
    }
    return new Decision(current, Action.NONE, Duration.between(now, expiry));
  }

  private static Decision pending(
      ExecTask task,
      List<String> specProblems,
      TargetState target,
      ExecTaskStatus next,
      Instant now,
      Duration progressInterval) {
    if (!specProblems.isEmpty()) {
      return terminal(
          next,
          Verdict.of(Phase.Failed, Reasons.INVALID_SPEC, SpecValidator.message(specProblems)),
          null,
          task,
          now);
    }
    if (target instanceof TargetState.Ready ready) {
      next.setPhase(Phase.Running);
      next.setReason(null);
      next.setMessage("Running in container " + ready.container() + " of pod " + ready.pod() + ".");
      next.setPodName(ready.pod());
      next.setContainer(ready.container());
      next.setContainerID(ready.containerID());
      next.setStartTime(Times.format(now));
      StatusConditions.apply(next, task.getMetadata().getGeneration(), now);
      ExecTarget execTarget =
          new ExecTarget(task.getMetadata().getNamespace(), ready.pod(), ready.container());
      Duration timeout = Duration.ofSeconds(task.getSpec().effectiveTimeoutSeconds());
      // The first look at its output comes one progress interval after the start.
      return new Decision(next, new Action.Start(execTarget), earlier(progressInterval, timeout));
    }
    if (target instanceof TargetState.ContainerMissing missing) {
      return terminal(
          next,
          Verdict.of(
              Phase.Failed,
              Reasons.CONTAINER_NOT_FOUND,
              "Pod " + missing.pod() + " has no container named " + missing.container() + "."),
          null,
          task,
          now);
    }
    if (target instanceof TargetState.PodMissing missing) {
      return waitForTarget(task, next, Reasons.POD_NOT_FOUND, missing.message(), now);
    }
    if (target instanceof TargetState.PodTerminating terminating) {
      return waitForTarget(
          task,
          next,
          Reasons.CONTAINER_NOT_RUNNING,
          "Pod " + terminating.pod() + " is being deleted.",
          now);
    }
    TargetState.ContainerNotRunning notRunning = (TargetState.ContainerNotRunning) target;
    return waitForTarget(
        task,
        next,
        Reasons.CONTAINER_NOT_RUNNING,
        "Container "
            + notRunning.container()
            + " of pod "
            + notRunning.pod()
            + " is not running ("
            + notRunning.detail()
            + ").",
        now);
  }

  private static Decision waitForTarget(
      ExecTask task, ExecTaskStatus next, String reason, String message, Instant now) {
    long startTimeout = task.getSpec().effectiveStartTimeoutSeconds();
    Instant created = Times.parse(task.getMetadata().getCreationTimestamp());
    Instant giveUp = Times.plus(created == null ? now : created, startTimeout);
    if (!now.isBefore(giveUp)) {
      return terminal(
          next,
          Verdict.of(
              Phase.Failed,
              reason,
              message + " Gave up after startTimeoutSeconds (" + startTimeout + ")."),
          null,
          task,
          now);
    }
    next.setPhase(Phase.Pending);
    next.setReason(reason);
    next.setMessage(
        message + " Waiting up to startTimeoutSeconds (" + startTimeout + ") for it to run.");
    StatusConditions.apply(next, task.getMetadata().getGeneration(), now);
    return new Decision(next, Action.NONE, Duration.between(now, giveUp));
  }

  private static Decision running(
      ExecTask task,
      Observation observed,
      ExecTaskStatus next,
      Instant now,
      Duration progressInterval) {
    ExecTaskSpec spec = task.getSpec();
    ExecTarget target = targetOf(task);
    long grace = spec.effectiveTerminationGracePeriodSeconds();
    KillState kill = observed.kill();
    // The container first: when it restarts or its pod goes, the command dies with it, and its
    // exec may report that death (exit 137) before the pod's new status reaches the cache.
    Verdict gone = containerGone(next, observed.target());
    if (gone != null) {
      // An exit status seen as the container went is the container's death, not the command's.
      next.setExitCode(null);
      return terminal(next, gone, null, task, now);
    }
    Instant started = Times.parse(next.getStartTime());
    Instant deadline = Times.plus(started == null ? now : started, spec.effectiveTimeoutSeconds());
    CommandState command = observed.command();
    if (kill instanceof KillState.Done done) {
      return terminal(next, settled(done, deadline, command), done.report().signalled(), task, now);
    }
    if (kill instanceof KillState.InProgress) {
      return new Decision(next, Action.NONE, Times.plus(SAFETY_RECHECK, grace));
    }
    if (kill instanceof KillState.Failed failed) {
      String why =
          "Killing the process tree failed (attempt "
              + failed.attempts()
              + "): "
              + failed.message()
              + ". Retrying.";
      next.setMessage(why);
      // No verdict while processes may live; kstatus readers and kubectl wait see it stall.
      StatusConditions.stall(next, KILL_FAILED, why, task.getMetadata().getGeneration(), now);
      if (now.isBefore(failed.retryAt())) {
        return new Decision(next, Action.NONE, Duration.between(now, failed.retryAt()));
      }
      return new Decision(next, new Action.KillTree(target, grace, failed.verdict()), null);
    }

    if (command instanceof CommandState.Finished finished) {
      CommandOutcome outcome = finished.outcome();
      if (outcome instanceof CommandOutcome.Exited exited && !exited.at().isAfter(deadline)) {
        // The exit code goes into the status before the cleanup kill: if the operator stops
        // before the verdict, the next one still knows how the command ended.
        Verdict verdict = exitVerdict(exited);
        recordOutput(next, verdict);
        next.setMessage(
            "The command exited with code "
                + exited.exitCode()
                + "; making sure none of its processes is left.");
        return new Decision(next, new Action.KillTree(target, grace, verdict), null);
      }
      if (outcome instanceof CommandOutcome.StartFailed failed) {
        return terminal(
            next, Verdict.of(Phase.Failed, failed.reason(), failed.message()), null, task, now);
      }
    }
    if (next.getExitCode() != null) {
      // Recorded by an earlier pass, perhaps by an operator that stopped since: finish the kill.
      Verdict recorded = exitVerdict(next.getExitCode(), null, null);
      return new Decision(next, new Action.KillTree(target, grace, recorded), null);
    }
    if (!now.isBefore(deadline)) {
      next.setMessage(
          "Deadline exceeded: killing the process tree (SIGTERM, then SIGKILL after "
              + grace
              + "s).");
      Verdict timedOut =
          Verdict.of(
              Phase.TimedOut,
              Reasons.DEADLINE_EXCEEDED,
              "The command ran longer than timeoutSeconds ("
                  + spec.effectiveTimeoutSeconds()
                  + "); its process tree was killed.");
      return new Decision(next, new Action.KillTree(target, grace, timedOut), null);
    }
    Duration untilDeadline = Duration.between(now, deadline);
    if (command instanceof CommandState.Running running && running.stdout() != null) {
      recordProgress(next, running.stdout(), running.stderr());
      return new Decision(next, Action.NONE, earlier(progressInterval, untilDeadline));
    }
    if (command instanceof CommandState.Finished finished
        && finished.outcome() instanceof CommandOutcome.ConnectionLost lost) {
      // Not an outcome: the command runs on. What the stream carried stays in the status.
      recordProgress(next, lost.stdout(), lost.stderr());
      next.setMessage(
          runningIn(next)
              + "; the exec connection was lost after "
              + bytes(lost.stdout().totalBytes() + lost.stderr().totalBytes())
              + " of output, and the command is followed from the container.");
      return new Decision(next, new Action.Observe(target), untilDeadline);
    }
    if (command instanceof CommandState.Unknown || command instanceof CommandState.Finished) {
      return new Decision(next, new Action.Observe(target), untilDeadline);
    }
    if (command instanceof CommandState.ObserveFailed failed) {
      if (now.isBefore(failed.retryAt())) {
        Duration untilRetry = Duration.between(now, failed.retryAt());
        return new Decision(
            next,
            Action.NONE,
            untilRetry.compareTo(untilDeadline) < 0 ? untilRetry : untilDeadline);
      }
      return new Decision(next, new Action.Observe(target), untilDeadline);
    }
    if (command instanceof CommandState.Observed seen) {
      if (seen.observation() instanceof CommandObservation.StillRunning) {
        recordProgress(next, seen.seen().stdout(), seen.seen().stderr());
        next.setMessage(runningIn(next) + "; " + outputSource(seen) + ".");
        Instant lookAt =
            seen.at() == null
                ? now
                : seen.at().plus(lookAgainAfter(seen.looks(), progressInterval));
        if (now.isBefore(lookAt)) {
          return new Decision(
              next, Action.NONE, earlier(Duration.between(now, lookAt), untilDeadline));
        }
        return new Decision(next, new Action.Observe(target), untilDeadline);
      }
      Verdict verdict = observedVerdict(seen);
      if (verdict.exitCode() != null) {
        // As on the attached path: the exit code is in the status before the cleanup kill.
        recordOutput(next, verdict);
        next.setMessage(
            "The command exited with code "
                + verdict.exitCode()
                + "; making sure none of its processes is left.");
      }
      return new Decision(next, new Action.KillTree(target, grace, verdict), null);
    }
    return new Decision(next, Action.NONE, untilDeadline);
  }

  /**
   * The verdict once the tree is gone. A kill at the deadline reports the exit the wrapper had
   * recorded: a command that certainly ended before the deadline (the kill raced its exec's report)
   * did not time out.
   */
  private static Verdict settled(KillState.Done done, Instant deadline, CommandState command) {
    Verdict planned = done.verdict();
    KillReport report = done.report();
    if (planned == null
        || planned.phase() != Phase.TimedOut
        || report.exitCode() == null
        || report.exitedAt() == null
        // Whole seconds: the exit happened within the second after exitedAt, and a command that
        // died of the deadline's SIGTERM must not pass for one that ended in time.
        || report.exitedAt().plusSeconds(1).isAfter(deadline)) {
      return planned;
    }
    if (command instanceof CommandState.Finished finished
        && finished.outcome() instanceof CommandOutcome.Exited exited
        && exited.exitCode() == report.exitCode()) {
      return exitVerdict(exited);
    }
    return exitVerdict(report.exitCode(), null, null);
  }

  /** Null when the task's container still runs the instance the command was started in. */
  private static Verdict containerGone(ExecTaskStatus status, TargetState target) {
    if (target instanceof TargetState.PodMissing
        || target instanceof TargetState.ContainerMissing) {
      return Verdict.of(
          Phase.Failed,
          Reasons.POD_DELETED,
          "Pod " + status.getPodName() + " was deleted while the command ran.");
    }
    if (target instanceof TargetState.Ready ready
        && ready.containerID() != null
        && ready.containerID().equals(status.getContainerID())) {
      return null;
    }
    if (target instanceof TargetState.PodTerminating terminating) {
      // A node that stopped reporting cannot be reached by exec, and its pod's containers go
      // with it: waiting on a kill there would hold the task forever.
      return terminating.nodeUnreachable()
          ? Verdict.of(
              Phase.Failed,
              Reasons.POD_DELETED,
              "Pod "
                  + status.getPodName()
                  + " was deleted while the command ran, on a node that is unreachable.")
          : null;
    }
    return Verdict.of(
        Phase.Failed,
        Reasons.CONTAINER_RESTARTED,
        "Container "
            + status.getContainer()
            + " of pod "
            + status.getPodName()
            + " restarted or stopped while the command ran; the command is gone with it.");
  }

  static Verdict exitVerdict(CommandOutcome.Exited exited) {
    return exitVerdict(exited.exitCode(), exited.stdout(), exited.stderr());
  }

  private static Verdict exitVerdict(int code, CapturedOutput stdout, CapturedOutput stderr) {
    if (code == 0) {
      return new Verdict(
          Phase.Succeeded, Reasons.COMPLETED, "The command exited with code 0.", 0, stdout, stderr);
    }
    return new Verdict(
        Phase.Failed,
        Reasons.NON_ZERO_EXIT_CODE,
        "The command exited with code " + code + signalNote(code) + ".",
        code,
        stdout,
        stderr);
  }

  private static Verdict observedVerdict(CommandState.Observed seen) {
    CommandObservation observation = seen.observation();
    String execFailure = seen.execFailure();
    CapturedOutput stdout = seen.seen().stdout();
    CapturedOutput stderr = seen.seen().stderr();
    String restarted = " " + capitalized(outputSource(seen)) + ".";
    String failure = execFailure == null ? "" : " The exec reported: " + execFailure + ".";
    if (observation instanceof CommandObservation.NotStarted notStarted) {
      return Verdict.of(
          Phase.Failed,
          Reasons.EXEC_ERROR,
          "The command was never started: " + notStarted.message() + "." + failure);
    }
    if (observation instanceof CommandObservation.Exited exited) {
      int code = exited.exitCode();
      return code == 0
          ? new Verdict(
              Phase.Succeeded,
              Reasons.COMPLETED,
              "The command exited with code 0." + restarted,
              0,
              stdout,
              stderr)
          : new Verdict(
              Phase.Failed,
              Reasons.NON_ZERO_EXIT_CODE,
              "The command exited with code " + code + signalNote(code) + "." + restarted,
              code,
              stdout,
              stderr);
    }
    if (observation instanceof CommandObservation.Lost) {
      return Verdict.of(
          Phase.Failed,
          Reasons.EXEC_ERROR,
          "The command ended without recording its exit code (its wrapper was killed)." + failure);
    }
    if (observation instanceof CommandObservation.RunningUntracked) {
      return Verdict.of(
          Phase.Failed,
          Reasons.EXEC_ERROR,
          "The operator lost its connection to the command and the container has no writable"
              + " /tmp or /dev/shm to keep its exit code, so its process tree was killed.");
    }
    return Verdict.of(
        Phase.Failed,
        Reasons.EXEC_ERROR,
        "Nothing of the command was found in the container: the operator stopped before"
            + " starting it, the exec never reached the container, or its record was removed."
            + " It is not run again."
            + failure);
  }

  /** Where the output in the status comes from, once the command's own exec is gone. */
  private static String outputSource(CommandState.Observed seen) {
    boolean recorded = seen.seen().stdout() != null && seen.seen().stderr() != null;
    Long streamed = seen.streamedBytes();
    if (recorded && streamed != null) {
      return "its exec connection was lost after "
          + bytes(streamed)
          + " of output, and the output from there on was read from the container's record"
          + " (totals and tails complete)";
    }
    if (recorded) {
      return "the operator was not attached to its exec (it restarted), and the output totals and"
          + " tails were read from the container's record";
    }
    if (streamed != null) {
      return "its output after the first "
          + bytes(streamed)
          + " was not captured: the exec connection was lost and the container keeps no record";
    }
    return "its output was not captured: the operator lost its connection to it";
  }

  private static String capitalized(String sentence) {
    return Character.toUpperCase(sentence.charAt(0)) + sentence.substring(1);
  }

  private static String runningIn(ExecTaskStatus status) {
    return "Running in container " + status.getContainer() + " of pod " + status.getPodName();
  }

  private static String bytes(long n) {
    return n == 1 ? "1 byte" : n + " bytes";
  }

  private static Duration earlier(Duration a, Duration b) {
    return a.compareTo(b) < 0 ? a : b;
  }

  /**
   * Whether {@code after} only moves a running task's output on from {@code before}: the tails and
   * byte counts, nothing else.
   */
  static boolean progressOnly(ExecTaskStatus before, ExecTaskStatus after) {
    if (before == null
        || after == null
        || before.getPhase() != Phase.Running
        || after.getPhase() != Phase.Running) {
      return false;
    }
    ExecTaskStatus rest = SERIALIZATION.clone(after);
    rest.setStdout(before.getStdout());
    rest.setStdoutBytes(before.getStdoutBytes());
    rest.setStderr(before.getStderr());
    rest.setStderrBytes(before.getStderrBytes());
    return rest.equals(before);
  }

  /** A running command's output so far; a stream not known (null) leaves its fields as they are. */
  private static void recordProgress(
      ExecTaskStatus next, CapturedOutput stdout, CapturedOutput stderr) {
    if (stdout != null) {
      next.setStdout(stdout.tail());
      next.setStdoutBytes(stdout.totalBytes());
    }
    if (stderr != null) {
      next.setStderr(stderr.tail());
      next.setStderrBytes(stderr.totalBytes());
    }
  }

  private static String signalNote(int code) {
    return switch (code) {
      case 129 -> " (SIGHUP)";
      case 130 -> " (SIGINT)";
      case 134 -> " (SIGABRT)";
      case 137 -> " (SIGKILL)";
      case 139 -> " (SIGSEGV)";
      case 141 -> " (SIGPIPE)";
      case 143 -> " (SIGTERM)";
      default -> "";
    };
  }

  /** Exit code and output tails, where the verdict has them; fields it lacks stay as they are. */
  private static void recordOutput(ExecTaskStatus next, Verdict verdict) {
    if (verdict.exitCode() != null) {
      next.setExitCode(verdict.exitCode());
    }
    recordProgress(next, verdict.stdout(), verdict.stderr());
  }

  private static Decision terminal(
      ExecTaskStatus next, Verdict verdict, Integer killed, ExecTask task, Instant now) {
    next.setPhase(verdict.phase());
    next.setReason(verdict.reason());
    next.setMessage(verdict.message());
    recordOutput(next, verdict);
    if (killed != null) {
      next.setKilledProcesses(killed);
    }
    next.setCompletionTime(Times.format(now));
    Instant started = Times.parse(next.getStartTime());
    if (started != null) {
      next.setDuration(Times.human(Duration.between(started, now)));
    }
    StatusConditions.apply(next, task.getMetadata().getGeneration(), now);
    Integer ttl = task.getSpec() == null ? null : task.getSpec().getTtlSecondsAfterFinished();
    return new Decision(next, Action.NONE, ttl == null ? null : Duration.ofSeconds(ttl));
  }

  static ExecTarget targetOf(ExecTask task) {
    ExecTaskStatus status = task.getStatus();
    return new ExecTarget(
        task.getMetadata().getNamespace(), status.getPodName(), status.getContainer());
  }

  private static String processes(int n) {
    return n == 1 ? "1 process" : n + " processes";
  }
}
