package dev.exectask.reconciler;

import dev.exectask.api.v1alpha1.ExecTask;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * A cluster-wide install holds pods/exec in every namespace, kube-system included; with {@code
 * exectask.required-namespace-label} set, the operator starts no command in a namespace that does
 * not carry that label with the value {@code "true"}. An admission policy could not give this
 * guarantee: it judges who creates a task, not what the operator does, and a cluster may have no
 * policy at all. The task ends {@code Failed}/{@code InvalidSpec} saying which label is missing.
 */
@Singleton
public class NamespaceOptIn {

  /** The label a namespace must carry, with the value "true"; empty or unset: every namespace. */
  public static final String PROPERTY = "exectask.required-namespace-label";

  private final KubernetesClient client;
  private final Optional<String> label;

  public NamespaceOptIn(
      KubernetesClient client, @ConfigProperty(name = PROPERTY) Optional<String> label) {
    this.client = client;
    this.label = label.map(String::strip).filter(l -> !l.isEmpty());
  }

  /**
   * The spec's problems, plus one when the task's namespace has not opted in. Only consulted before
   * a command starts: a task already running is always observed and killed to the end.
   */
  public List<String> problems(ExecTask task, List<String> specProblems) {
    if (label.isEmpty() || started(task)) {
      return specProblems;
    }
    String namespace = task.getMetadata().getNamespace();
    Namespace object = client.namespaces().withName(namespace).get();
    Map<String, String> labels = object == null ? null : object.getMetadata().getLabels();
    if (labels != null && "true".equals(labels.get(label.get()))) {
      return specProblems;
    }
    List<String> problems = new ArrayList<>(specProblems);
    problems.add(
        "namespace "
            + namespace
            + " has not opted in to ExecTasks: this operator runs commands only in namespaces"
            + " labelled "
            + label.get()
            + "=true (kubectl label namespace "
            + namespace
            + " "
            + label.get()
            + "=true)");
    return problems;
  }

  private static boolean started(ExecTask task) {
    return task.getStatus() != null
        && task.getStatus().getPhase() != null
        && task.getStatus().getPhase() != dev.exectask.api.v1alpha1.Phase.Pending;
  }
}
