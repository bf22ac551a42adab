package dev.exectask.reconciler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodProjectionTest {

  static Pod fullPod() {
    return new PodBuilder()
        .withNewMetadata()
        .withName("web")
        .withNamespace("team")
        .withUid("u-1")
        .withResourceVersion("7")
        .withCreationTimestamp("2026-01-01T00:00:00Z")
        .withDeletionTimestamp("2026-01-01T00:01:00Z")
        .withLabels(Map.of("app", "web"))
        .withAnnotations(
            Map.of(TargetResolver.DEFAULT_CONTAINER_ANNOTATION, "main", "big", "x".repeat(10_000)))
        .addNewManagedField()
        .withManager("kubectl")
        .endManagedField()
        .endMetadata()
        .withNewSpec()
        .withNodeName("node-1")
        .addNewContainer()
        .withName("main")
        .withImage("busybox")
        .withCommand("sleep", "infinity")
        .addNewEnv()
        .withName("SECRET")
        .withValue("value")
        .endEnv()
        .endContainer()
        .addNewVolume()
        .withName("data")
        .endVolume()
        .endSpec()
        .withNewStatus()
        .withPhase("Running")
        .withMessage("long message")
        .addNewCondition()
        .withType("Ready")
        .withStatus("True")
        .withMessage("fine")
        .endCondition()
        .addNewContainerStatus()
        .withName("main")
        .withContainerID("sandbox://abc")
        .withNewState()
        .withNewRunning()
        .endRunning()
        .endState()
        .endContainerStatus()
        .endStatus()
        .build();
  }

  @Test
  void keepsWhatTargetsAreResolvedFromAndDropsTheRest() {
    Pod kept = PodProjection.of(fullPod());

    assertEquals("web", kept.getMetadata().getName());
    assertEquals("team", kept.getMetadata().getNamespace());
    assertEquals("u-1", kept.getMetadata().getUid());
    assertEquals("7", kept.getMetadata().getResourceVersion());
    assertEquals("2026-01-01T00:00:00Z", kept.getMetadata().getCreationTimestamp());
    assertEquals("2026-01-01T00:01:00Z", kept.getMetadata().getDeletionTimestamp());
    assertEquals(Map.of("app", "web"), kept.getMetadata().getLabels());
    assertEquals(
        Map.of(TargetResolver.DEFAULT_CONTAINER_ANNOTATION, "main"),
        kept.getMetadata().getAnnotations());
    assertEquals(List.of(), kept.getMetadata().getManagedFields());
    assertEquals("node-1", kept.getSpec().getNodeName());
    assertEquals("main", kept.getSpec().getContainers().get(0).getName());
    assertNull(kept.getSpec().getContainers().get(0).getImage());
    assertEquals(List.of(), kept.getSpec().getContainers().get(0).getEnv());
    assertEquals(List.of(), kept.getSpec().getVolumes());
    assertEquals("Running", kept.getStatus().getPhase());
    assertNull(kept.getStatus().getMessage());
    assertEquals("Ready", kept.getStatus().getConditions().get(0).getType());
    assertEquals("True", kept.getStatus().getConditions().get(0).getStatus());
    assertEquals("sandbox://abc", kept.getStatus().getContainerStatuses().get(0).getContainerID());
  }

  @Test
  void theStoreHoldsTheProjection() {
    PodProjection store = new PodProjection();
    Pod pod = fullPod();

    store.put(store.getKey(pod), pod);

    Pod held = store.get("team/web");
    assertEquals(List.of(), held.getSpec().getVolumes());
    assertEquals(1, held.getMetadata().getAnnotations().size());
  }
}
