package dev.exectask.reconciler;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskStatus;
import dev.exectask.api.v1alpha1.Phase;
import dev.exectask.api.v1alpha1.SpecValidator;
import dev.exectask.config.Background;
import dev.exectask.exec.ContainerProcesses;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.IndexerResourceCache;
import io.javaoperatorsdk.operator.processing.event.source.inbound.SimpleInboundEventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.stream.Collectors;

/**
 * Drives each ExecTask: observe (pod cache, execs in flight), decide ({@link TaskDecider}), write
 * the status once if it changed, then act. Execs run asynchronously; their completion comes back as
 * an event, deadlines as reschedules, so a reconcile never waits on a container.
 */
@ControllerConfiguration(name = "exectask", finalizerName = ExecTask.FINALIZER)
public class ExecTaskReconciler implements Reconciler<ExecTask>, Cleaner<ExecTask> {

  private static final org.jboss.logging.Logger LOG =
      org.jboss.logging.Logger.getLogger(ExecTaskReconciler.class);

  private static final java.time.Duration MAX_REQUEUE = java.time.Duration.ofHours(1);

  private final Clock clock;
  private final TaskEventRecorder events;
  private final TaskExecutions executions;
  private final SimpleInboundEventSource<ExecTask> execEvents =
      new SimpleInboundEventSource<>("exec-completions");
  private volatile InformerEventSource<Pod, ExecTask> pods;
  @jakarta.inject.Inject NamespaceOptIn namespaceOptIn;
  @jakarta.inject.Inject dev.exectask.metrics.TaskMetrics metrics;

  /** A running task's output reaches its status at most this often (and only when it changed). */
  @jakarta.inject.Inject
  @org.eclipse.microprofile.config.inject.ConfigProperty(
      name = "exectask.progress-interval",
      defaultValue = "5s")
  java.time.Duration progressInterval;

  /**
   * All running tasks together write progress at most this often per second: with more tasks than
   * {@code rate * progress-interval}, each one's progress interval stretches to {@code tasks /
   * rate}. Deadlines, kills and verdicts are not delayed by it.
   */
  @jakarta.inject.Inject
  @org.eclipse.microprofile.config.inject.ConfigProperty(
      name = "exectask.progress-writes-per-second",
      defaultValue = "20")
  double progressWritesPerSecond;

  public ExecTaskReconciler(
      KubernetesClient client,
      ContainerProcesses processes,
      Clock clock,
      @Background ExecutorService background) {
    this.clock = clock;
    this.events = new TaskEventRecorder(client, clock, background);
    this.executions = new TaskExecutions(processes, clock, execEvents::propagateEvent);
  }

  @Override
  public List<EventSource<?, ExecTask>> prepareEventSources(EventSourceContext<ExecTask> context) {
    IndexerResourceCache<ExecTask> tasks = context.getPrimaryCache();
    metrics.watch(tasks);
    pods =
        new InformerEventSource<>(
            InformerEventSourceConfiguration.from(Pod.class, ExecTask.class)
                .withName("pods")
                .withItemStore(new PodProjection())
                .withSecondaryToPrimaryMapper(pod -> tasksWatching(pod, tasks))
                .build(),
            context);
    return List.of(pods, execEvents);
  }

  /** Non-terminal tasks of the pod's namespace that run, or may come to run, in it. */
  private static Set<ResourceID> tasksWatching(Pod pod, IndexerResourceCache<ExecTask> tasks) {
    String name = pod.getMetadata().getName();
    return tasks
        .list(pod.getMetadata().getNamespace())
        .filter(
            t ->
                t.getStatus() == null
                    || t.getStatus().getPhase() == null
                    || !t.getStatus().getPhase().isTerminal())
        .filter(
            t -> {
              ExecTaskStatus s = t.getStatus();
              if (s != null && s.getPodName() != null) {
                return name.equals(s.getPodName());
              }
              return t.getSpec() != null
                  && (name.equals(t.getSpec().getPodName())
                      || t.getSpec().getPodSelector() != null);
            })
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  /** Made once the configuration is injected. */
  private ProgressBudget progressBudget;

  @jakarta.annotation.PostConstruct
  void makeProgressBudget() {
    progressBudget = new ProgressBudget(progressWritesPerSecond);
  }

  @Override
  public UpdateControl<ExecTask> reconcile(ExecTask task, Context<ExecTask> context) {
    Instant now = clock.instant();
    String uid = task.getMetadata().getUid();
    Observation observed = observe(task);
    Decision decision =
        TaskDecider.decide(
            task,
            namespaceOptIn.problems(task, SpecValidator.validate(task.getSpec())),
            observed,
            now,
            TaskDecider.progressInterval(
                progressInterval, progressWritesPerSecond, executions.tracked()));
    ExecTaskStatus before = task.getStatus();
    ExecTaskStatus after = decision.status();
    // A kill goes out before the status write that announces it (a round trip the deadline
    // need not wait for): the deadline and the task's identity are already in the status, so
    // an operator that stops in between kills again, finding nothing. Only an exit code must
    // reach the status first: the killer removes the record it came from.
    boolean killFirst =
        decision.action() instanceof Action.KillTree && !recordsExitCode(before, after);
    if (killFirst) {
      act(task, decision.action(), context);
    }
    boolean changed = !Objects.equals(before, after);
    Duration progressWait =
        changed
                && decision.action() instanceof Action.None
                && TaskDecider.progressOnly(before, after)
            ? progressBudget.take(now)
            : null;
    ExecTask written = null;
    if (changed && progressWait == null) {
      written = context.resourceOperations().serverSideApplyPrimaryStatus(statusPatch(task, after));
      recordTransition(task, before, after);
      metrics.transition(before, after);
    }
    if (!killFirst) {
      act(task, decision.action(), context);
    }
    if (after.getPhase() != null && after.getPhase().isTerminal()) {
      executions.forget(uid);
    }
    UpdateControl<ExecTask> control = UpdateControl.noUpdate();
    Duration requeue = decision.requeueAfter();
    if (progressWait != null && (requeue == null || progressWait.compareTo(requeue) < 0)) {
      // The progress waits its turn; nothing else was due.
      requeue = progressWait;
    }
    if (overtaken(task, written)) {
      // The write answered with a task this pass did not see (deleted, or its spec changed, in
      // the meantime). The watch event that said so may come after the write's answer, and
      // JOSDK drops events older than its own write as seen: without this, a deletion landing
      // during a progress write waited for the next scheduled pass (up to tasks / progress
      // writes per second: 50 s with 1,000 tasks).
      requeue = Duration.ZERO;
    }
    if (requeue != null) {
      control.rescheduleAfter(capped(requeue).toMillis() + 1);
    }
    return control;
  }

  @Override
  public DeleteControl cleanup(ExecTask task, Context<ExecTask> context) {
    CleanupDecision decision = TaskDecider.decideCleanup(task, observe(task), clock.instant());
    if (decision.removeFinalizer()) {
      if (decision.eventMessage() != null) {
        events.normal(task, decision.eventReason(), decision.eventMessage());
      }
      executions.forget(task.getMetadata().getUid());
      return DeleteControl.defaultDelete();
    }
    if (decision.status() != null && !Objects.equals(task.getStatus(), decision.status())) {
      // Written directly: a status in DeleteControl would be lost, and the wait must show.
      context
          .resourceOperations()
          .serverSideApplyPrimaryStatus(statusPatch(task, decision.status()));
      if (decision.eventReason() != null) {
        events.warning(task, decision.eventReason(), decision.eventMessage());
      }
    }
    act(task, decision.action(), context);
    DeleteControl control = DeleteControl.noFinalizerRemoval();
    if (decision.requeueAfter() != null) {
      control.rescheduleAfter(capped(decision.requeueAfter()).toMillis());
    }
    return control;
  }

  /** Whether {@code written}, the answer to this pass's write, is newer news than {@code seen}. */
  static boolean overtaken(ExecTask seen, ExecTask written) {
    if (written == null || written.getMetadata() == null) {
      return false;
    }
    return written.isMarkedForDeletion() && !seen.isMarkedForDeletion()
        || !Objects.equals(
            written.getMetadata().getGeneration(), seen.getMetadata().getGeneration());
  }

  private static boolean recordsExitCode(ExecTaskStatus before, ExecTaskStatus after) {
    return after.getExitCode() != null
        && (before == null || !after.getExitCode().equals(before.getExitCode()));
  }

  /**
   * Far deadlines are looked at again within the hour instead of scheduled in one go: the next pass
   * recomputes them from the status, and a timer that long helps nobody.
   */
  private static java.time.Duration capped(java.time.Duration requeue) {
    return requeue.compareTo(MAX_REQUEUE) > 0 ? MAX_REQUEUE : requeue;
  }

  private Observation observe(ExecTask task) {
    String namespace = task.getMetadata().getNamespace();
    String uid = task.getMetadata().getUid();
    TargetState target =
        TargetResolver.resolve(
            task,
            name -> pods.get(new ResourceID(name, namespace)).orElse(null),
            () -> pods.list(namespace).collect(Collectors.toList()));
    return new Observation(target, executions.command(uid), executions.kill(uid));
  }

  private void act(ExecTask task, Action action, Context<ExecTask> context) {
    ResourceID id = ResourceID.fromResource(task);
    if (!(action instanceof Action.None)) {
      LOG.debugf("%s: %s", id, action);
    }
    String uid = task.getMetadata().getUid();
    if (action instanceof Action.Start start) {
      executions.start(id, uid, start.target(), task.getSpec());
    } else if (action instanceof Action.Observe observe) {
      executions.observe(id, uid, observe.target());
    } else if (action instanceof Action.KillTree kill) {
      executions.kill(id, uid, kill.target(), kill.graceSeconds(), kill.verdict());
    } else if (action instanceof Action.Delete) {
      context.getClient().resource(task).delete();
    }
  }

  /** Only what SSA should own: identity and status, no resourceVersion (no stale conflicts). */
  private static ExecTask statusPatch(ExecTask task, ExecTaskStatus status) {
    ExecTask patch = new ExecTask();
    patch.setMetadata(
        new ObjectMetaBuilder()
            .withName(task.getMetadata().getName())
            .withNamespace(task.getMetadata().getNamespace())
            .build());
    patch.setStatus(status);
    return patch;
  }

  private void recordTransition(ExecTask task, ExecTaskStatus before, ExecTaskStatus after) {
    String stalled = StatusConditions.stalledBy(after);
    if (TaskDecider.KILL_FAILED.equals(stalled)
        && !stalled.equals(StatusConditions.stalledBy(before))) {
      // Once when the kill starts failing, not on every retry.
      events.warning(task, TaskDecider.KILL_FAILED, after.getMessage());
    }
    Phase was = before == null ? null : before.getPhase();
    Phase is = after.getPhase();
    if (is == was) {
      return;
    }
    switch (is) {
      case Running -> events.normal(task, "Started", after.getMessage());
      case Succeeded -> events.normal(task, "Completed", after.getMessage());
      case Failed -> events.warning(task, "Failed", after.getMessage());
      case TimedOut -> events.warning(task, "TimedOut", after.getMessage());
      default -> {}
    }
    if (is.isTerminal() && after.getKilledProcesses() != null && after.getKilledProcesses() > 0) {
      int n = after.getKilledProcesses();
      events.normal(
          task,
          "Killed",
          "Killed " + (n == 1 ? "1 process" : n + " processes") + " of the task's tree.");
    }
  }
}
