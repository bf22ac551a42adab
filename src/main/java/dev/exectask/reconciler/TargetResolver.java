package dev.exectask.reconciler;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.api.v1alpha1.ExecTaskStatus;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Finds the pod and container a task targets, from the operator's pod cache. A started task stays
 * on the pod and container its status names; a pending one resolves podName or podSelector.
 */
final class TargetResolver {

  static final String DEFAULT_CONTAINER_ANNOTATION = "kubectl.kubernetes.io/default-container";

  private TargetResolver() {}

  static TargetState resolve(
      ExecTask task, Function<String, Pod> podByName, Supplier<List<Pod>> podsInNamespace) {
    ExecTaskStatus status = task.getStatus();
    if (status != null && status.getPodName() != null && status.getContainer() != null) {
      return inspect(
          podByName.apply(status.getPodName()), status.getPodName(), status.getContainer());
    }
    ExecTaskSpec spec = task.getSpec();
    if (spec == null) {
      return new TargetState.PodMissing("The task has no spec.");
    }
    if (spec.getPodName() != null) {
      Pod pod = podByName.apply(spec.getPodName());
      return inspect(
          pod, spec.getPodName(), pod == null ? spec.getContainer() : containerOf(pod, spec));
    }
    if (spec.getPodSelector() == null) {
      return new TargetState.PodMissing("The task names no pod.");
    }
    Optional<Pod> chosen =
        podsInNamespace.get().stream()
            .filter(p -> LabelSelectors.matches(spec.getPodSelector(), p.getMetadata().getLabels()))
            .filter(TargetResolver::runningAndReady)
            .min(
                Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp())
                    .thenComparing(p -> p.getMetadata().getName()));
    if (chosen.isEmpty()) {
      return new TargetState.PodMissing("No Running and Ready pod matches the task's podSelector.");
    }
    Pod pod = chosen.get();
    return inspect(pod, pod.getMetadata().getName(), containerOf(pod, spec));
  }

  /** spec.container, else the default-container annotation (when it names one), else the first. */
  static String containerOf(Pod pod, ExecTaskSpec spec) {
    if (spec.getContainer() != null) {
      return spec.getContainer();
    }
    List<Container> containers = pod.getSpec() == null ? List.of() : pod.getSpec().getContainers();
    String annotated =
        pod.getMetadata().getAnnotations() == null
            ? null
            : pod.getMetadata().getAnnotations().get(DEFAULT_CONTAINER_ANNOTATION);
    if (annotated != null && containers.stream().anyMatch(c -> annotated.equals(c.getName()))) {
      return annotated;
    }
    return containers.isEmpty() ? null : containers.get(0).getName();
  }

  private static TargetState inspect(Pod pod, String podName, String container) {
    if (pod == null) {
      return new TargetState.PodMissing("Pod " + podName + " was not found.");
    }
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      return new TargetState.PodTerminating(podName, notReady(pod));
    }
    boolean declared =
        container != null
            && pod.getSpec() != null
            && pod.getSpec().getContainers().stream().anyMatch(c -> container.equals(c.getName()));
    if (!declared) {
      return new TargetState.ContainerMissing(podName, container == null ? "(none)" : container);
    }
    ContainerStatus cs =
        pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null
            ? null
            : pod.getStatus().getContainerStatuses().stream()
                .filter(s -> container.equals(s.getName()))
                .findFirst()
                .orElse(null);
    if (cs == null) {
      return new TargetState.ContainerNotRunning(podName, container, null, "it has no status yet");
    }
    ContainerState state = cs.getState();
    if (state != null && state.getRunning() != null && cs.getContainerID() != null) {
      return new TargetState.Ready(podName, container, cs.getContainerID());
    }
    return new TargetState.ContainerNotRunning(
        podName, container, cs.getContainerID(), describe(state));
  }

  private static String describe(ContainerState state) {
    if (state == null) {
      return "its state is unknown";
    }
    if (state.getWaiting() != null) {
      return "waiting: " + state.getWaiting().getReason();
    }
    if (state.getTerminated() != null) {
      return "terminated: " + state.getTerminated().getReason();
    }
    return "starting";
  }

  private static boolean notReady(Pod pod) {
    return pod.getStatus() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "False".equals(c.getStatus()));
  }

  static boolean runningAndReady(Pod pod) {
    if (pod.getMetadata().getDeletionTimestamp() != null
        || pod.getStatus() == null
        || !"Running".equals(pod.getStatus().getPhase())
        || pod.getStatus().getConditions() == null) {
      return false;
    }
    return pod.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
