package dev.exectask.reconciler;

import dev.exectask.api.v1alpha1.ExecTask;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.util.concurrent.Executor;
import org.jboss.logging.Logger;

/**
 * Writes core/v1 Events on a task (what {@code kubectl describe et} shows). Best effort and off the
 * reconcile thread: a lost Event must never fail or slow a reconcile.
 */
final class TaskEventRecorder {

  static final String COMPONENT = "exectask-operator";
  private static final Logger LOG = Logger.getLogger(TaskEventRecorder.class);

  private final KubernetesClient client;
  private final Clock clock;
  private final Executor executor;

  TaskEventRecorder(KubernetesClient client, Clock clock, Executor executor) {
    this.client = client;
    this.clock = clock;
    this.executor = executor;
  }

  void normal(ExecTask task, String reason, String message) {
    record(task, "Normal", reason, message);
  }

  void warning(ExecTask task, String reason, String message) {
    record(task, "Warning", reason, message);
  }

  private void record(ExecTask task, String type, String reason, String message) {
    String now = Times.format(clock.instant());
    Event event =
        new EventBuilder()
            .withNewMetadata()
            .withGenerateName(task.getMetadata().getName() + ".")
            .withNamespace(task.getMetadata().getNamespace())
            .endMetadata()
            .withNewInvolvedObject()
            .withApiVersion(task.getApiVersion())
            .withKind(task.getKind())
            .withName(task.getMetadata().getName())
            .withNamespace(task.getMetadata().getNamespace())
            .withUid(task.getMetadata().getUid())
            .endInvolvedObject()
            .withType(type)
            .withReason(reason)
            .withMessage(message)
            .withCount(1)
            .withFirstTimestamp(now)
            .withLastTimestamp(now)
            .withNewSource()
            .withComponent(COMPONENT)
            .endSource()
            .withReportingComponent(COMPONENT)
            .build();
    executor.execute(
        () -> {
          try {
            client
                .v1()
                .events()
                .inNamespace(task.getMetadata().getNamespace())
                .resource(event)
                .create();
          } catch (RuntimeException e) {
            LOG.debugf(e, "Could not record event %s on %s", reason, task.getMetadata().getName());
          }
        });
  }
}
