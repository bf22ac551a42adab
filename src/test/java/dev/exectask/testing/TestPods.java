package dev.exectask.testing;

import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.Map;

/** Pods for sandbox tests: one container {@code main} whose init sleeps (the image is ignored). */
public final class TestPods {

  private TestPods() {}

  public static Pod pod(String name) {
    return pod(name, null, Map.of());
  }

  public static Pod pod(String name, String namespace, Map<String, String> labels) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(namespace)
        .withLabels(labels.isEmpty() ? null : labels)
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("main")
        .withImage("busybox")
        .endContainer()
        .endSpec()
        .build();
  }

  /** True once the pod's Ready condition is True (a waitUntilCondition predicate). */
  public static boolean isReady(Pod pod) {
    return pod != null
        && pod.getStatus() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** True once every container of the pod runs. */
  public static boolean isRunning(Pod pod) {
    return pod != null
        && pod.getStatus() != null
        && pod.getStatus().getContainerStatuses() != null
        && pod.getStatus().getContainerStatuses().stream()
            .allMatch(cs -> cs.getState() != null && cs.getState().getRunning() != null);
  }

  /** Creates {@link #pod(String, String, Map) the pod} and waits until its container runs. */
  public static Pod createRunning(KubernetesClient client, String namespace, String name) {
    client.pods().inNamespace(namespace).resource(pod(name, namespace, Map.of())).create();
    return await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> client.pods().inNamespace(namespace).withName(name).get(), TestPods::isRunning);
  }
}
