package dev.exectask.sandbox.node;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A pod this node runs: its containers and what the node last wrote to its status. Changed on the
 * node's loop thread only; exec reads {@link #containers} and {@link #removed} from other threads.
 */
final class PodRuntime {
  final String namespace;
  final String name;
  final String uid;
  final Instant startTime;
  final Map<String, ContainerRuntime> containers;

  /** Whether the default init reaps orphans; {@code sandbox.exectask.dev/init: no-reap} says no. */
  final boolean reapsOrphans;

  /**
   * Command names the containers lack: the shells under {@code sandbox.exectask.dev/shell: none}.
   */
  final Set<String> missingCommands;

  volatile Pod pod;
  volatile boolean removed;
  boolean deleting;

  /** {@code sandbox.exectask.dev/node: lost}: the node is cut off from the API. */
  boolean nodeLost;

  /** The pod was deleted while its node was lost: the node finishes the deletion once back. */
  boolean deletionHeld;

  PodStatus lastStatus;
  String lastStatusJson;
  String serverStatusJson;
  boolean writeQueued;
  boolean rewrite;
  boolean statusCheckQueued;

  PodRuntime(Pod pod, Instant startTime) {
    this.pod = pod;
    this.namespace = pod.getMetadata().getNamespace();
    this.name = pod.getMetadata().getName();
    this.uid = pod.getMetadata().getUid();
    this.startTime = startTime;
    Map<String, ContainerRuntime> byName = new LinkedHashMap<>();
    List<Container> specs = Objects.requireNonNullElse(pod.getSpec().getContainers(), List.of());
    for (Container spec : specs) {
      byName.put(spec.getName(), new ContainerRuntime(spec));
    }
    this.containers = Collections.unmodifiableMap(byName);
    Map<String, String> annotations =
        Objects.requireNonNullElse(pod.getMetadata().getAnnotations(), Map.of());
    this.nodeLost = lost(pod);
    this.reapsOrphans = !EmulatedNode.NO_REAP.equals(annotations.get(EmulatedNode.INIT_ANNOTATION));
    this.missingCommands =
        EmulatedNode.NO_SHELL.equals(annotations.get(EmulatedNode.SHELL_ANNOTATION))
            ? ShellHider.SHELLS
            : Set.of();
  }

  static boolean lost(Pod pod) {
    Map<String, String> annotations = pod.getMetadata().getAnnotations();
    return annotations != null
        && EmulatedNode.NODE_LOST.equals(annotations.get(EmulatedNode.NODE_ANNOTATION));
  }

  static String key(String namespace, String name) {
    return namespace + "/" + name;
  }

  String key() {
    return key(namespace, name);
  }

  Collection<ContainerRuntime> containers() {
    return containers.values();
  }

  String restartPolicy() {
    return Objects.requireNonNullElse(pod.getSpec().getRestartPolicy(), "Always");
  }

  boolean restartsAfter(int exitCode) {
    return switch (restartPolicy()) {
      case "Never" -> false;
      case "OnFailure" -> exitCode != 0;
      default -> true;
    };
  }

  /** The file PID 1 of the container's {@code instance}-th run writes to (0 for its first). */
  Path logFile(Path workDir, String container, int instance) {
    return workDir
        .resolve("pods")
        .resolve(namespace + "_" + name + "_" + uid)
        .resolve(container)
        .resolve(instance + ".log");
  }
}
