package dev.exectask.sandbox.node;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.HostIP;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodIP;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Composes a pod's status as the kubelet reports it, from what the node knows of each container.
 */
final class PodStatusComposer {
  /**
   * One container as the node sees it.
   *
   * @param created whether a run of it has started or ended (it is past its first creation)
   * @param finished whether it ended and will not be restarted
   */
  record ContainerView(
      String name,
      String image,
      String containerId,
      int restartCount,
      ContainerState state,
      ContainerState lastState,
      boolean ready,
      boolean created,
      boolean finished) {}

  private PodStatusComposer() {}

  static PodStatus compose(
      List<ContainerView> containers, Instant startTime, PodStatus previous, Instant now) {
    String phase = phase(containers);
    boolean terminal = phase.equals("Succeeded") || phase.equals("Failed");
    List<String> unready =
        containers.stream().filter(c -> !c.ready()).map(ContainerView::name).toList();
    boolean ready = unready.isEmpty() && !terminal;
    String reason = ready ? null : terminal ? "PodCompleted" : "ContainersNotReady";
    String message =
        ready || terminal
            ? null
            : "containers with unready status: [" + String.join(" ", unready) + "]";
    List<PodCondition> conditions = new ArrayList<>();
    conditions.add(condition(previous, "PodReadyToStartContainers", !terminal, null, null, now));
    conditions.add(condition(previous, "Initialized", true, null, null, now));
    conditions.add(condition(previous, "Ready", ready, reason, message, now));
    conditions.add(condition(previous, "ContainersReady", ready, reason, message, now));
    conditions.add(condition(previous, "PodScheduled", true, null, null, now));
    return new PodStatusBuilder()
        .withPhase(phase)
        .withConditions(conditions)
        .withHostIP(ContainerEnvironment.POD_IP)
        .withHostIPs(new HostIP(ContainerEnvironment.POD_IP))
        .withPodIP(ContainerEnvironment.POD_IP)
        .withPodIPs(new PodIP(ContainerEnvironment.POD_IP))
        .withStartTime(time(startTime))
        .withContainerStatuses(containers.stream().map(PodStatusComposer::containerStatus).toList())
        .build();
  }

  /**
   * What the node lifecycle controller makes of the last status the kubelet wrote when the node
   * stops answering ({@code MarkPodsNotReady}): the {@code Ready} condition turns False, keeping
   * its reason and message; everything else, ContainersReady and the container statuses included,
   * stays as last reported. Null when the kubelet never reported.
   */
  static PodStatus nodeLost(PodStatus last, Instant now) {
    if (last == null) {
      return null;
    }
    PodStatus status = new PodStatusBuilder(last).build();
    List<PodCondition> conditions = new ArrayList<>();
    for (PodCondition condition :
        Objects.requireNonNullElse(last.getConditions(), List.<PodCondition>of())) {
      if (condition.getType().equals("Ready") && !condition.getStatus().equals("False")) {
        condition =
            new PodConditionBuilder(condition)
                .withStatus("False")
                .withLastTransitionTime(time(now))
                .build();
      }
      conditions.add(condition);
    }
    status.setConditions(conditions);
    return status;
  }

  /** RFC 3339 in whole seconds, as the API server stores times. */
  static String time(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  private static String phase(List<ContainerView> containers) {
    if (containers.stream().allMatch(ContainerView::finished)) {
      boolean allSucceeded =
          containers.stream().allMatch(c -> c.state().getTerminated().getExitCode() == 0);
      return allSucceeded ? "Succeeded" : "Failed";
    }
    return containers.stream().allMatch(ContainerView::created) ? "Running" : "Pending";
  }

  private static PodCondition condition(
      PodStatus previous, String type, boolean status, String reason, String message, Instant now) {
    String value = status ? "True" : "False";
    String since =
        previous == null
            ? null
            : previous.getConditions().stream()
                .filter(c -> c.getType().equals(type) && c.getStatus().equals(value))
                .map(PodCondition::getLastTransitionTime)
                .findFirst()
                .orElse(null);
    return new PodConditionBuilder()
        .withType(type)
        .withStatus(value)
        .withReason(reason)
        .withMessage(message)
        .withLastTransitionTime(Objects.requireNonNullElseGet(since, () -> time(now)))
        .build();
  }

  private static ContainerStatus containerStatus(ContainerView c) {
    boolean running = c.state().getRunning() != null;
    return new ContainerStatusBuilder()
        .withName(c.name())
        .withImage(c.image())
        .withImageID(c.created() ? imageId(c.image()) : "")
        .withContainerID(c.containerId())
        .withRestartCount(c.restartCount())
        .withStarted(running)
        .withReady(c.ready())
        .withState(c.state())
        .withLastState(Objects.requireNonNullElseGet(c.lastState(), ContainerState::new))
        .build();
  }

  /** A stable digest per image name, in the form a registry's image ID takes. */
  private static String imageId(String image) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(image.getBytes(StandardCharsets.UTF_8));
      return image.replaceFirst(":[^:/]*$", "") + "@sha256:" + HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
