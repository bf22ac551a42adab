package dev.exectask.reconciler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.api.v1alpha1.ExecTaskStatus;
import dev.exectask.api.v1alpha1.Phase;
import dev.exectask.api.v1alpha1.Reasons;
import dev.exectask.exec.CapturedOutput;
import dev.exectask.exec.CommandOutcome;
import dev.exectask.exec.ExecTarget;
import dev.exectask.exec.ObservedCommand;
import dev.exectask.scripts.CommandObservation;
import dev.exectask.scripts.KillReport;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The task state machine, row by row, as the Job controller's tests table theirs. */
class TaskDeciderTest {

  static final Instant CREATED = Instant.parse("2026-01-01T10:00:00Z");
  static final Instant STARTED = CREATED.plusSeconds(2);
  static final String CID = "sandbox://aaaa";
  static final TargetState READY = new TargetState.Ready("web", "app", CID);
  static final CapturedOutput OUT = new CapturedOutput("hello\n", 6);
  static final CapturedOutput ERR = new CapturedOutput("oops\n", 5);
  static final KillState NO_KILL = KillState.NOT_REQUESTED;
  static final CommandState UNKNOWN = CommandState.UNKNOWN;
  static final CommandState RUNNING = new CommandState.Running();

  /** timeoutSeconds 30, startTimeoutSeconds 60, grace 5. */
  static ExecTask pending() {
    ExecTask task = new ExecTask();
    task.setMetadata(
        new ObjectMetaBuilder()
            .withName("t")
            .withNamespace("ns")
            .withUid("uid-1")
            .withGeneration(1L)
            .withCreationTimestamp(CREATED.toString())
            .build());
    ExecTaskSpec spec = new ExecTaskSpec();
    spec.setPodName("web");
    spec.setCommand(List.of("echo", "hello"));
    spec.setTimeoutSeconds(30L);
    spec.setStartTimeoutSeconds(60L);
    spec.setTerminationGracePeriodSeconds(5L);
    task.setSpec(spec);
    return task;
  }

  static ExecTask running() {
    ExecTask task = pending();
    Decision started =
        TaskDecider.decide(task, List.of(), new Observation(READY, UNKNOWN, NO_KILL), STARTED);
    task.setStatus(started.status());
    return task;
  }

  static ExecTask withRecordedExit(ExecTask task, int code) {
    task.getStatus().setExitCode(code);
    return task;
  }

  record Row(
      String name,
      ExecTask task,
      List<String> specProblems,
      Observation observed,
      Instant now,
      Consumer<Decision> expect) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<Arguments> rows() {
    return Stream.of(
            new Row(
                "pod ready: Running written, then the command starts",
                pending(),
                List.of(),
                new Observation(READY, UNKNOWN, NO_KILL),
                STARTED,
                d -> {
                  assertEquals(Phase.Running, d.status().getPhase());
                  assertEquals("web", d.status().getPodName());
                  assertEquals("app", d.status().getContainer());
                  assertEquals(CID, d.status().getContainerID());
                  assertEquals(STARTED, Times.parse(d.status().getStartTime()));
                  assertEquals(new Action.Start(new ExecTarget("ns", "web", "app")), d.action());
                  // The first look at its output, well before the deadline.
                  assertEquals(TaskDecider.PROGRESS_INTERVAL, d.requeueAfter());
                  assertCondition(d, "Reconciling", "True");
                  assertCondition(d, "Stalled", "False");
                }),
            new Row(
                "pod missing within startTimeoutSeconds: Pending PodNotFound until the start deadline",
                pending(),
                List.of(),
                new Observation(
                    new TargetState.PodMissing("Pod web was not found."), UNKNOWN, NO_KILL),
                CREATED.plusSeconds(10),
                d -> {
                  assertEquals(Phase.Pending, d.status().getPhase());
                  assertEquals(Reasons.POD_NOT_FOUND, d.status().getReason());
                  assertSame(Action.NONE, d.action());
                  assertEquals(Duration.ofSeconds(50), d.requeueAfter());
                  assertCondition(d, "Reconciling", "True");
                }),
            new Row(
                "pod missing past startTimeoutSeconds: Failed PodNotFound",
                pending(),
                List.of(),
                new Observation(
                    new TargetState.PodMissing("Pod web was not found."), UNKNOWN, NO_KILL),
                CREATED.plusSeconds(60),
                d -> {
                  assertEquals(Phase.Failed, d.status().getPhase());
                  assertEquals(Reasons.POD_NOT_FOUND, d.status().getReason());
                  assertCondition(d, "Failed", "True");
                  assertCondition(d, "Stalled", "True");
                  assertCondition(d, "Reconciling", "False");
                  assertCondition(d, "Complete", "False");
                }),
            new Row(
                "container not running: Pending ContainerNotRunning",
                pending(),
                List.of(),
                new Observation(
                    new TargetState.ContainerNotRunning(
                        "web", "app", null, "waiting: ContainerCreating"),
                    UNKNOWN,
                    NO_KILL),
                CREATED.plusSeconds(1),
                d -> {
                  assertEquals(Phase.Pending, d.status().getPhase());
                  assertEquals(Reasons.CONTAINER_NOT_RUNNING, d.status().getReason());
                }),
            new Row(
                "no such container: Failed ContainerNotFound at once",
                pending(),
                List.of(),
                new Observation(new TargetState.ContainerMissing("web", "nope"), UNKNOWN, NO_KILL),
                CREATED.plusSeconds(1),
                d -> {
                  assertEquals(Phase.Failed, d.status().getPhase());
                  assertEquals(Reasons.CONTAINER_NOT_FOUND, d.status().getReason());
                  assertSame(Action.NONE, d.action());
                }),
            new Row(
                "invalid spec: Failed InvalidSpec, nothing started",
                pending(),
                List.of("command must have 1 to 256 items"),
                new Observation(READY, UNKNOWN, NO_KILL),
                CREATED.plusSeconds(1),
                d -> {
                  assertEquals(Phase.Failed, d.status().getPhase());
                  assertEquals(Reasons.INVALID_SPEC, d.status().getReason());
                  assertTrue(d.status().getMessage().contains("command must have 1 to 256 items"));
                  assertSame(Action.NONE, d.action());
                }),
            new Row(
                "command running before the deadline: nothing to do until the deadline",
                running(),
                List.of(),
                new Observation(READY, RUNNING, NO_KILL),
                STARTED.plusSeconds(10),
                d -> {
                  assertEquals(Phase.Running, d.status().getPhase());
                  assertSame(Action.NONE, d.action());
                  assertEquals(Duration.ofSeconds(20), d.requeueAfter());
                }),
            new Row(
                "deadline reached: kill the tree, TimedOut once confirmed",
                running(),
                List.of(),
                new Observation(READY, RUNNING, NO_KILL),
                STARTED.plusSeconds(30),
                d -> {
                  assertEquals(Phase.Running, d.status().getPhase());
                  Action.KillTree kill = assertInstanceOf(Action.KillTree.class, d.action());
                  assertEquals(5, kill.graceSeconds());
                  assertEquals(Phase.TimedOut, kill.verdict().phase());
                  assertEquals(Reasons.DEADLINE_EXCEEDED, kill.verdict().reason());
                }),
            new Row(
                "command exited 0: leftovers are killed before the verdict",
                running(),
                List.of(),
                new Observation(
                    READY,
                    new CommandState.Finished(
                        new CommandOutcome.Exited(0, OUT, ERR, STARTED.plusSeconds(3))),
                    NO_KILL),
                STARTED.plusSeconds(3),
                d -> {
                  assertEquals(Phase.Running, d.status().getPhase());
                  assertEquals(0, d.status().getExitCode(), "recorded before the kill");
                  assertEquals("hello\n", d.status().getStdout());
                  Action.KillTree kill = assertInstanceOf(Action.KillTree.class, d.action());
                  assertEquals(Phase.Succeeded, kill.verdict().phase());
                  assertEquals(OUT, kill.verdict().stdout());
                }),
            new Row(
                "restart after the exit code was recorded: finish the kill, keep the exit code",
                withRecordedExit(running(), 5),
                List.of(),
                new Observation(READY, UNKNOWN, NO_KILL),
                STARTED.plusSeconds(4),
                d -> {
                  Verdict v = assertInstanceOf(Action.KillTree.class, d.action()).verdict();
                  assertEquals(Phase.Failed, v.phase());
                  assertEquals(5, v.exitCode());
                }),
            new Row(
                "command exited after the deadline: TimedOut, not its exit code",
                running(),
                List.of(),
                new Observation(
                    READY,
                    new CommandState.Finished(
                        new CommandOutcome.Exited(0, OUT, ERR, STARTED.plusSeconds(31))),
                    NO_KILL),
                STARTED.plusSeconds(31),
                d ->
                    assertEquals(
                        Phase.TimedOut,
                        assertInstanceOf(Action.KillTree.class, d.action()).verdict().phase())),
            new Row(
                "kill confirmed after exit 0: Succeeded with output and counts",
                running(),
                List.of(),
                new Observation(
                    READY,
                    RUNNING,
                    new KillState.Done(
                        TaskDecider.exitVerdict(
                            new CommandOutcome.Exited(0, OUT, ERR, STARTED.plusSeconds(3))),
                        new KillReport(1, 0))),
                STARTED.plusSeconds(4),
                d -> {
                  ExecTaskStatus s = d.status();
                  assertEquals(Phase.Succeeded, s.getPhase());
                  assertEquals(Reasons.COMPLETED, s.getReason());
                  assertEquals(0, s.getExitCode());
                  assertEquals("hello\n", s.getStdout());
                  assertEquals(6L, s.getStdoutBytes());
                  assertEquals("oops\n", s.getStderr());
                  assertEquals(1, s.getKilledProcesses());
                  assertEquals(STARTED.plusSeconds(4), Times.parse(s.getCompletionTime()));
                  assertEquals("4.0s", s.getDuration());
                  assertCondition(d, "Complete", "True");
                  assertCondition(d, "Failed", "False");
                  assertCondition(d, "Reconciling", "False");
                  assertCondition(d, "Stalled", "False");
                }),
            new Row(
                "kill confirmed at the deadline: TimedOut DeadlineExceeded with the count",
                running(),
                List.of(),
                new Observation(
                    READY,
                    RUNNING,
                    new KillState.Done(
                        Verdict.of(Phase.TimedOut, Reasons.DEADLINE_EXCEEDED, "too long"),
                        new KillReport(3, 0))),
                STARTED.plusSeconds(31),
                d -> {
                  assertEquals(Phase.TimedOut, d.status().getPhase());
                  assertEquals(Reasons.DEADLINE_EXCEEDED, d.status().getReason());
                  assertEquals(3, d.status().getKilledProcesses());
                  assertNull(d.status().getExitCode());
                  assertCondition(d, "Failed", "True");
                  assertCondition(d, "Stalled", "True");
                }),
            new Row(
                "non-zero exit code: Failed NonZeroExitCode after the kill",
                running(),
                List.of(),
                new Observation(
                    READY,
                    RUNNING,
                    new KillState.Done(
                        TaskDecider.exitVerdict(
                            new CommandOutcome.Exited(137, OUT, ERR, STARTED.plusSeconds(1))),
                        new KillReport(0, 0))),
                STARTED.plusSeconds(1),
                d -> {
                  assertEquals(Phase.Failed, d.status().getPhase());
                  assertEquals(Reasons.NON_ZERO_EXIT_CODE, d.status().getReason());
                  assertEquals(137, d.status().getExitCode());
                  assertTrue(d.status().getMessage().contains("SIGKILL"));
                }),
            new Row(
                "pod deleted while running: Failed PodDeleted, no kill needed",
                running(),
                List.of(),
                new Observation(new TargetState.PodMissing("gone"), RUNNING, NO_KILL),
                STARTED.plusSeconds(5),
                d -> {
                  assertEquals(Phase.Failed, d.status().getPhase());
                  assertEquals(Reasons.POD_DELETED, d.status().getReason());
                  assertSame(Action.NONE, d.action());
                }),
            new Row(
                "container restarted (new containerID): Failed ContainerRestarted",
                running(),
                List.of(),
                new Observation(
                    new TargetState.Ready("web", "app", "sandbox://bbbb"), RUNNING, NO_KILL),
                STARTED.plusSeconds(5),
                d -> {
                  assertEquals(Phase.Failed, d.status().getPhase());
                  assertEquals(Reasons.CONTAINER_RESTARTED, d.status().getReason());
                }),
            new Row(
                "container restarted after its exec reported 137: ContainerRestarted, not the exit",
                withRecordedExit(running(), 137),
                List.of(),
                new Observation(
                    new TargetState.Ready("web", "app", "sandbox://bbbb"),
                    RUNNING,
                    new KillState.Done(
                        TaskDecider.exitVerdict(
                            new CommandOutcome.Exited(137, OUT, ERR, STARTED.plusSeconds(1))),
                        new KillReport(0, 0))),
                STARTED.plusSeconds(2),
                d -> {
                  assertEquals(Reasons.CONTAINER_RESTARTED, d.status().getReason());
                  assertNull(d.status().getExitCode(), "137 was the container's death");
                }),
            new Row(
                "no shell in the container: Failed ShellNotFound",
                running(),
                List.of(),
                new Observation(
                    READY,
                    new CommandState.Finished(
                        new CommandOutcome.StartFailed(Reasons.SHELL_NOT_FOUND, "no sh")),
                    NO_KILL),
                STARTED.plusSeconds(1),
                d -> {
                  assertEquals(Phase.Failed, d.status().getPhase());
                  assertEquals(Reasons.SHELL_NOT_FOUND, d.status().getReason());
                }),
            new Row(
                "operator restarted while Running: observe, never start again",
                running(),
                List.of(),
                new Observation(READY, UNKNOWN, NO_KILL),
                STARTED.plusSeconds(5),
                d -> assertInstanceOf(Action.Observe.class, d.action())),
            new Row(
                "connection lost: observe what the command does",
                running(),
                List.of(),
                new Observation(
                    READY,
                    new CommandState.Finished(
                        new CommandOutcome.ConnectionLost(
                            "reset", CapturedOutput.NONE, CapturedOutput.NONE)),
                    NO_KILL),
                STARTED.plusSeconds(5),
                d -> assertInstanceOf(Action.Observe.class, d.action())),
            new Row(
                "restart: deadline still enforced from status.startTime",
                running(),
                List.of(),
                new Observation(READY, UNKNOWN, NO_KILL),
                STARTED.plusSeconds(45),
                d ->
                    assertEquals(
                        Phase.TimedOut,
                        assertInstanceOf(Action.KillTree.class, d.action()).verdict().phase())),
            new Row(
                "observed exit code 3 after a restart: recorded, tree killed first",
                running(),
                List.of(),
                new Observation(
                    READY, new CommandState.Observed(new CommandObservation.Exited(3)), NO_KILL),
                STARTED.plusSeconds(5),
                d -> {
                  Verdict v = assertInstanceOf(Action.KillTree.class, d.action()).verdict();
                  assertEquals(Phase.Failed, v.phase());
                  assertEquals(3, v.exitCode());
                }),
            new Row(
                "observed nothing in the container: ExecError, never re-run",
                running(),
                List.of(),
                new Observation(
                    READY, new CommandState.Observed(new CommandObservation.Absent()), NO_KILL),
                STARTED.plusSeconds(5),
                d ->
                    assertEquals(
                        Reasons.EXEC_ERROR,
                        assertInstanceOf(Action.KillTree.class, d.action()).verdict().reason())),
            new Row(
                "exec failed to open, not for a missing shell: stays Running, observed",
                running(),
                List.of(),
                new Observation(
                    READY,
                    new CommandState.Finished(
                        new CommandOutcome.ConnectionLost(
                            "the exec failed: error dialing backend",
                            CapturedOutput.NONE,
                            CapturedOutput.NONE)),
                    NO_KILL),
                STARTED.plusSeconds(1),
                d -> {
                  assertEquals(Phase.Running, d.status().getPhase());
                  assertInstanceOf(Action.Observe.class, d.action());
                }),
            new Row(
                "observer still waiting when its wait ended: observe again",
                running(),
                List.of(),
                new Observation(
                    READY,
                    new CommandState.Observed(new CommandObservation.StillRunning()),
                    NO_KILL),
                STARTED.plusSeconds(10),
                d -> {
                  assertEquals(Phase.Running, d.status().getPhase());
                  assertInstanceOf(Action.Observe.class, d.action());
                  assertEquals(Duration.ofSeconds(20), d.requeueAfter());
                }),
            new Row(
                "observer just found it running: look again after the backoff, not at once",
                running(),
                List.of(),
                new Observation(
                    READY,
                    new CommandState.Observed(
                        new ObservedCommand(new CommandObservation.StillRunning(), OUT, ERR),
                        "the exec connection closed without an exit status",
                        3L,
                        STARTED.plusSeconds(10),
                        2),
                    NO_KILL),
                STARTED.plusSeconds(10),
                d -> {
                  assertEquals(Phase.Running, d.status().getPhase());
                  assertSame(Action.NONE, d.action());
                  assertEquals(Duration.ofSeconds(2), d.requeueAfter());
                  assertEquals("hello\n", d.status().getStdout());
                  assertEquals(6L, d.status().getStdoutBytes());
                  assertEquals(5L, d.status().getStderrBytes());
                  assertEquals(
                      "Running in container app of pod web; its exec connection was lost after 3"
                          + " bytes of output, and the output from there on was read from the"
                          + " container's record (totals and tails complete).",
                      d.status().getMessage());
                }),
            new Row(
                "the backoff passed: observe again",
                running(),
                List.of(),
                new Observation(
                    READY,
                    new CommandState.Observed(
                        new ObservedCommand(new CommandObservation.StillRunning(), OUT, ERR),
                        null,
                        null,
                        STARTED.plusSeconds(10),
                        9),
                    NO_KILL),
                STARTED.plusSeconds(15),
                d -> assertInstanceOf(Action.Observe.class, d.action())),
            new Row(
                "the command's exec is cut: Running, what it carried kept, followed from outside",
                running(),
                List.of(),
                new Observation(
                    READY,
                    new CommandState.Finished(
                        new CommandOutcome.ConnectionLost("cut", OUT, CapturedOutput.NONE)),
                    NO_KILL),
                STARTED.plusSeconds(10),
                d -> {
                  assertEquals(Phase.Running, d.status().getPhase());
                  assertInstanceOf(Action.Observe.class, d.action());
                  assertEquals(6L, d.status().getStdoutBytes());
                  assertEquals(
                      "Running in container app of pod web; the exec connection was lost after 6"
                          + " bytes of output, and the command is followed from the container.",
                      d.status().getMessage());
                }),
            new Row(
                "attached and printing: its output so far goes into the status",
                running(),
                List.of(),
                new Observation(READY, new CommandState.Running(OUT, ERR), NO_KILL),
                STARTED.plusSeconds(10),
                d -> {
                  assertSame(Action.NONE, d.action());
                  assertEquals(TaskDecider.PROGRESS_INTERVAL, d.requeueAfter());
                  assertEquals("hello\n", d.status().getStdout());
                  assertEquals("oops\n", d.status().getStderr());
                }),
            new Row(
                "exited while detached: the verdict carries the container's record of the output",
                running(),
                List.of(),
                new Observation(
                    READY,
                    new CommandState.Observed(
                        new ObservedCommand(new CommandObservation.Exited(0), OUT, ERR),
                        null,
                        null,
                        STARTED.plusSeconds(10),
                        0),
                    NO_KILL),
                STARTED.plusSeconds(10),
                d -> {
                  Action.KillTree kill = assertInstanceOf(Action.KillTree.class, d.action());
                  assertEquals(OUT, kill.verdict().stdout());
                  assertEquals(6L, d.status().getStdoutBytes());
                  assertEquals(
                      "The command exited with code 0. The operator was not attached to its exec"
                          + " (it restarted), and the output totals and tails were read from the"
                          + " container's record.",
                      kill.verdict().message());
                }),
            new Row(
                "stdin cut short: the tree is killed, then Failed ExecError with the wrapper's words",
                running(),
                List.of(),
                new Observation(
                    READY,
                    new CommandState.Observed(
                        new CommandObservation.NotStarted("stdin was cut short: got 3 of 90 bytes"),
                        "the exec connection closed without an exit status"),
                    NO_KILL),
                STARTED.plusSeconds(1),
                d -> {
                  assertEquals(Phase.Running, d.status().getPhase(), "no verdict before the kill");
                  Verdict v = assertInstanceOf(Action.KillTree.class, d.action()).verdict();
                  assertEquals(Phase.Failed, v.phase());
                  assertEquals(Reasons.EXEC_ERROR, v.reason());
                  assertTrue(v.message().contains("stdin was cut short: got 3 of 90"), v.message());
                  assertTrue(v.message().contains("without an exit status"), v.message());
                }),
            new Row(
                "observed exit code: written to status before the cleanup kill",
                running(),
                List.of(),
                new Observation(
                    READY, new CommandState.Observed(new CommandObservation.Exited(3)), NO_KILL),
                STARTED.plusSeconds(5),
                d -> {
                  assertEquals(3, d.status().getExitCode());
                  assertEquals(Phase.Running, d.status().getPhase());
                  assertInstanceOf(Action.KillTree.class, d.action());
                }),
            new Row(
                "deadline kill finds an exit recorded before the deadline: the exit wins",
                running(),
                List.of(),
                new Observation(
                    READY,
                    RUNNING,
                    new KillState.Done(
                        Verdict.of(Phase.TimedOut, Reasons.DEADLINE_EXCEEDED, "x"),
                        new KillReport(0, 0, 0, STARTED.plusSeconds(29)))),
                STARTED.plusSeconds(31),
                d -> {
                  assertEquals(Phase.Succeeded, d.status().getPhase());
                  assertEquals(Reasons.COMPLETED, d.status().getReason());
                  assertEquals(0, d.status().getExitCode());
                }),
            new Row(
                "deadline kill finds an exit recorded in the deadline's own second: TimedOut",
                running(),
                List.of(),
                new Observation(
                    READY,
                    RUNNING,
                    new KillState.Done(
                        Verdict.of(Phase.TimedOut, Reasons.DEADLINE_EXCEEDED, "x"),
                        new KillReport(1, 0, 143, STARTED.plusSeconds(30)))),
                STARTED.plusSeconds(31),
                d -> assertEquals(Phase.TimedOut, d.status().getPhase())),
            new Row(
                "deadline kill finds an exit recorded after the deadline: TimedOut",
                running(),
                List.of(),
                new Observation(
                    READY,
                    RUNNING,
                    new KillState.Done(
                        Verdict.of(Phase.TimedOut, Reasons.DEADLINE_EXCEEDED, "x"),
                        new KillReport(1, 0, 143, STARTED.plusSeconds(31)))),
                STARTED.plusSeconds(32),
                d -> {
                  assertEquals(Phase.TimedOut, d.status().getPhase());
                  assertNull(d.status().getExitCode());
                }),
            new Row(
                "pod Terminating on an unreachable node while Running: PodDeleted, no kill",
                running(),
                List.of(),
                new Observation(new TargetState.PodTerminating("web", true), RUNNING, NO_KILL),
                STARTED.plusSeconds(5),
                d -> {
                  assertEquals(Phase.Failed, d.status().getPhase());
                  assertEquals(Reasons.POD_DELETED, d.status().getReason());
                }),
            new Row(
                "pod Terminating on a reachable node: still Running, its deadline kept",
                running(),
                List.of(),
                new Observation(new TargetState.PodTerminating("web", false), RUNNING, NO_KILL),
                STARTED.plusSeconds(5),
                d -> {
                  assertEquals(Phase.Running, d.status().getPhase());
                  assertSame(Action.NONE, d.action());
                }),
            new Row(
                "kill failed, backoff not over: wait",
                running(),
                List.of(),
                new Observation(
                    READY,
                    RUNNING,
                    new KillState.Failed(
                        Verdict.of(Phase.TimedOut, Reasons.DEADLINE_EXCEEDED, "x"),
                        "exec refused",
                        2,
                        STARTED.plusSeconds(34))),
                STARTED.plusSeconds(31),
                d -> {
                  assertSame(Action.NONE, d.action());
                  assertEquals(Duration.ofSeconds(3), d.requeueAfter());
                  assertTrue(d.status().getMessage().contains("exec refused"));
                }),
            new Row(
                "kill failed, backoff over: retried, never dropped",
                running(),
                List.of(),
                new Observation(
                    READY,
                    RUNNING,
                    new KillState.Failed(
                        Verdict.of(Phase.TimedOut, Reasons.DEADLINE_EXCEEDED, "x"),
                        "exec refused",
                        2,
                        STARTED.plusSeconds(34))),
                STARTED.plusSeconds(34),
                d -> assertInstanceOf(Action.KillTree.class, d.action())))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void decides(Row row) {
    row.expect()
        .accept(TaskDecider.decide(row.task(), row.specProblems(), row.observed(), row.now()));
  }

  @Test
  void finishedTaskIsLeftAsItIsUntilItsTtlPasses() {
    ExecTask task = running();
    task.getSpec().setTtlSecondsAfterFinished(100);
    Decision done =
        TaskDecider.decide(
            task,
            List.of(),
            new Observation(
                READY,
                RUNNING,
                new KillState.Done(
                    Verdict.of(Phase.TimedOut, Reasons.DEADLINE_EXCEEDED, "x"),
                    new KillReport(0, 0))),
            STARTED.plusSeconds(30));
    task.setStatus(done.status());

    Decision before =
        TaskDecider.decide(
            task, List.of(), new Observation(READY, UNKNOWN, NO_KILL), STARTED.plusSeconds(80));
    assertSame(task.getStatus(), before.status());
    assertSame(Action.NONE, before.action());
    assertEquals(Duration.ofSeconds(50), before.requeueAfter());

    Decision after =
        TaskDecider.decide(
            task, List.of(), new Observation(READY, UNKNOWN, NO_KILL), STARTED.plusSeconds(130));
    assertInstanceOf(Action.Delete.class, after.action());
  }

  @Test
  void onlyOutputMovingOnIsProgress() {
    ExecTaskStatus before = running().getStatus();
    Observation ticked =
        new Observation(
            READY,
            new CommandState.Running(new CapturedOutput("tick\n", 5), CapturedOutput.NONE),
            NO_KILL);
    Decision moved = TaskDecider.decide(running(), List.of(), ticked, STARTED.plusSeconds(5));
    assertEquals(5L, moved.status().getStdoutBytes());
    assertTrue(TaskDecider.progressOnly(before, moved.status()), "output moved on, nothing else");

    Decision timedOut = TaskDecider.decide(running(), List.of(), ticked, STARTED.plusSeconds(3600));
    assertInstanceOf(Action.KillTree.class, timedOut.action());
    assertFalse(TaskDecider.progressOnly(before, timedOut.status()), "a deadline is not progress");
    assertFalse(TaskDecider.progressOnly(null, moved.status()), "a first status is not progress");
    assertFalse(
        TaskDecider.progressOnly(pending().getStatus(), running().getStatus()),
        "a start is not progress");
  }

  @Test
  void unchangedConditionsKeepTheirTransitionTime() {
    ExecTask task = pending();
    Observation missing =
        new Observation(new TargetState.PodMissing("Pod web was not found."), UNKNOWN, NO_KILL);
    task.setStatus(TaskDecider.decide(task, List.of(), missing, CREATED.plusSeconds(1)).status());
    Decision later = TaskDecider.decide(task, List.of(), missing, CREATED.plusSeconds(20));
    assertEquals(task.getStatus(), later.status(), "a pass that learns nothing changes nothing");
  }

  @Test
  void deletingAPendingOrFinishedTaskReleasesAtOnce() {
    CleanupDecision d =
        TaskDecider.decideCleanup(pending(), new Observation(READY, UNKNOWN, NO_KILL), CREATED);
    assertTrue(d.removeFinalizer());
    assertNull(d.eventMessage());
  }

  @Test
  void deletingARunningTaskKillsItsTreeBeforeReleasing() {
    ExecTask task = running();
    Instant now = STARTED.plusSeconds(5);
    CleanupDecision first =
        TaskDecider.decideCleanup(task, new Observation(READY, RUNNING, NO_KILL), now);
    assertTrue(!first.removeFinalizer());
    Action.KillTree kill = assertInstanceOf(Action.KillTree.class, first.action());
    assertNull(kill.verdict());

    CleanupDecision waiting =
        TaskDecider.decideCleanup(
            task, new Observation(READY, RUNNING, new KillState.InProgress(null, 1)), now);
    assertTrue(!waiting.removeFinalizer());
    assertSame(Action.NONE, waiting.action());

    CleanupDecision done =
        TaskDecider.decideCleanup(
            task,
            new Observation(READY, RUNNING, new KillState.Done(null, new KillReport(3, 0))),
            now);
    assertTrue(done.removeFinalizer());
    assertTrue(done.eventMessage().contains("killed 3 processes"), done.eventMessage());
  }

  @Test
  void deletionNeverHangsOnceThePodIsGone() {
    CleanupDecision d =
        TaskDecider.decideCleanup(
            running(),
            new Observation(
                new TargetState.PodMissing("gone"),
                RUNNING,
                new KillState.Failed(null, "pod not found", 5, STARTED.plusSeconds(999))),
            STARTED.plusSeconds(6));
    assertTrue(d.removeFinalizer());
  }

  record CleanupRow(
      String name,
      ExecTask task,
      TargetState target,
      KillState kill,
      boolean releases,
      Class<? extends Action> action,
      String eventReason,
      String stalledReason) {
    @Override
    public String toString() {
      return name;
    }
  }

  static ExecTask annotated(ExecTask task, String key, String value) {
    task.getMetadata().setAnnotations(java.util.Map.of(key, value));
    return task;
  }

  static final KillState KILL_FAILED_WAITING =
      new KillState.Failed(null, "exec timed out after 40s", 3, STARTED.plusSeconds(20));
  static final KillState KILL_FAILED_DUE =
      new KillState.Failed(null, "exec timed out after 40s", 3, STARTED.plusSeconds(9));

  static Stream<Arguments> cleanupRows() {
    return Stream.of(
            new CleanupRow(
                "skip-kill annotation: released at once, no kill, KillSkipped",
                annotated(running(), ExecTask.SKIP_KILL_ANNOTATION, "true"),
                READY,
                KILL_FAILED_WAITING,
                true,
                Action.None.class,
                "KillSkipped",
                null),
            new CleanupRow(
                "skip-kill annotation other than true: ignored",
                annotated(running(), ExecTask.SKIP_KILL_ANNOTATION, "yes"),
                READY,
                NO_KILL,
                false,
                Action.KillTree.class,
                null,
                null),
            new CleanupRow(
                "kill failed, backoff running: Stalled KillFailed, Event, finalizer kept",
                running(),
                READY,
                KILL_FAILED_WAITING,
                false,
                Action.None.class,
                "KillFailed",
                "KillFailed"),
            new CleanupRow(
                "kill failed, backoff over: retried, still Stalled",
                running(),
                READY,
                KILL_FAILED_DUE,
                false,
                Action.KillTree.class,
                "KillFailed",
                "KillFailed"),
            new CleanupRow(
                "pod Terminating on an unreachable node: counts as gone",
                running(),
                new TargetState.PodTerminating("web", true),
                KILL_FAILED_WAITING,
                true,
                Action.None.class,
                "Killed",
                null),
            new CleanupRow(
                "pod Terminating on a reachable node: killed first",
                running(),
                new TargetState.PodTerminating("web", false),
                NO_KILL,
                false,
                Action.KillTree.class,
                null,
                null))
        .map(Arguments::of);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cleanupRows")
  void decidesCleanup(CleanupRow row) {
    CleanupDecision d =
        TaskDecider.decideCleanup(
            row.task(),
            new Observation(row.target(), RUNNING, row.kill()),
            STARTED.plusSeconds(10));

    assertEquals(row.releases(), d.removeFinalizer());
    assertInstanceOf(row.action(), d.action());
    assertEquals(row.eventReason(), d.eventReason());
    if (row.stalledReason() == null) {
      assertNull(d.status(), "the status is left as it is");
    } else {
      Condition stalled =
          d.status().getConditions().stream()
              .filter(c -> "Stalled".equals(c.getType()))
              .findFirst()
              .orElseThrow();
      assertEquals("True", stalled.getStatus());
      assertEquals(row.stalledReason(), stalled.getReason());
      assertTrue(stalled.getMessage().contains("attempt 3 failed"), stalled.getMessage());
      assertTrue(stalled.getMessage().contains("exec timed out after 40s"), stalled.getMessage());
      assertEquals(Phase.Running, d.status().getPhase(), "no verdict while the tree may live");
      assertEquals(stalled.getMessage(), d.eventMessage());
    }
  }

  @Test
  void anAbsurdTimeoutNeitherOverflowsNorFires() {
    ExecTask task = running();
    task.getSpec().setTimeoutSeconds(Long.MAX_VALUE);
    task.getSpec().setTerminationGracePeriodSeconds(Long.MAX_VALUE);
    Decision d =
        TaskDecider.decide(
            task, List.of(), new Observation(READY, RUNNING, NO_KILL), STARTED.plusSeconds(5));
    assertSame(Action.NONE, d.action());
    assertTrue(d.requeueAfter().toDays() > 365);
  }

  @Test
  void lookingAgainAtARunningCommandBacksOffUpToTheProgressInterval() {
    Duration interval = Duration.ofSeconds(5);
    assertEquals(Duration.ofSeconds(1), TaskDecider.lookAgainAfter(1, interval));
    assertEquals(Duration.ofSeconds(4), TaskDecider.lookAgainAfter(3, interval));
    assertEquals(interval, TaskDecider.lookAgainAfter(4, interval));
    assertEquals(interval, TaskDecider.lookAgainAfter(1000, interval));
  }

  @Test
  void manyRunningTasksStretchTheProgressIntervalToTheWriteRate() {
    Duration base = Duration.ofSeconds(5);
    assertEquals(base, TaskDecider.progressInterval(base, 20, 1));
    assertEquals(base, TaskDecider.progressInterval(base, 20, 100));
    assertEquals(Duration.ofSeconds(50), TaskDecider.progressInterval(base, 20, 1000));
    assertEquals(Duration.ofMillis(5050), TaskDecider.progressInterval(base, 20, 101));
    assertEquals(base, TaskDecider.progressInterval(base, 0, 1000), "0: no bound");
  }

  @Test
  void backoffDoublesUpToAMinute() {
    assertEquals(Duration.ofSeconds(1), TaskDecider.backoff(1));
    assertEquals(Duration.ofSeconds(2), TaskDecider.backoff(2));
    assertEquals(Duration.ofSeconds(32), TaskDecider.backoff(6));
    assertEquals(Duration.ofSeconds(60), TaskDecider.backoff(7));
    assertEquals(Duration.ofSeconds(60), TaskDecider.backoff(50));
  }

  static void assertCondition(Decision d, String type, String status) {
    Condition c =
        d.status().getConditions().stream()
            .filter(x -> type.equals(x.getType()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no condition " + type));
    assertEquals(status, c.getStatus(), type);
    assertTrue(c.getReason() != null && !c.getReason().isBlank(), "condition reason set");
  }
}
