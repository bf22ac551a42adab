package dev.exectask.reconciler;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import java.util.Map;

/**
 * What the operator keeps of a pod: the pod informer watches every pod of the watched namespaces,
 * most of which no task targets, so its cache holds only what {@link TargetResolver} reads (name,
 * namespace, uid, labels for pod selectors, the default-container annotation, creation and deletion
 * times, the containers' names, nodeName, phase, conditions and container statuses), not specs,
 * volumes, env, managed fields or other annotations.
 */
public final class PodProjection extends BasicItemStore<Pod> {

  public PodProjection() {
    super(Cache::metaNamespaceKeyFunc);
  }

  @Override
  public Pod put(String key, Pod pod) {
    return super.put(key, of(pod));
  }

  /** The pod with only what the operator reads. */
  public static Pod of(Pod pod) {
    Pod kept = new Pod();
    kept.setApiVersion(pod.getApiVersion());
    kept.setKind(pod.getKind());
    ObjectMeta meta = pod.getMetadata();
    if (meta != null) {
      String defaultContainer =
          meta.getAnnotations() == null
              ? null
              : meta.getAnnotations().get(TargetResolver.DEFAULT_CONTAINER_ANNOTATION);
      kept.setMetadata(
          new ObjectMetaBuilder()
              .withName(meta.getName())
              .withNamespace(meta.getNamespace())
              .withUid(meta.getUid())
              .withResourceVersion(meta.getResourceVersion())
              .withGeneration(meta.getGeneration())
              .withCreationTimestamp(meta.getCreationTimestamp())
              .withDeletionTimestamp(meta.getDeletionTimestamp())
              .withLabels(meta.getLabels())
              .withAnnotations(
                  defaultContainer == null
                      ? null
                      : Map.of(TargetResolver.DEFAULT_CONTAINER_ANNOTATION, defaultContainer))
              .build());
    }
    PodSpec spec = pod.getSpec();
    if (spec != null) {
      PodSpec keptSpec = new PodSpec();
      keptSpec.setNodeName(spec.getNodeName());
      if (spec.getContainers() != null) {
        keptSpec.setContainers(
            spec.getContainers().stream()
                .map(c -> new ContainerBuilder().withName(c.getName()).build())
                .toList());
      }
      kept.setSpec(keptSpec);
    }
    PodStatus status = pod.getStatus();
    if (status != null) {
      PodStatus keptStatus = new PodStatus();
      keptStatus.setPhase(status.getPhase());
      keptStatus.setContainerStatuses(status.getContainerStatuses());
      if (status.getConditions() != null) {
        keptStatus.setConditions(
            status.getConditions().stream()
                .map(
                    c ->
                        new PodConditionBuilder()
                            .withType(c.getType())
                            .withStatus(c.getStatus())
                            .build())
                .toList());
      }
      kept.setStatus(keptStatus);
    }
    return kept;
  }
}
