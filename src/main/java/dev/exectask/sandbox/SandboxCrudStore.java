package dev.exectask.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.UncheckedIOException;

/**
 * fabric8's CRUD dispatcher with the API server rules it lacks: built-in types with a status
 * subresource (pods) keep their status out of main-resource writes, and deletion marks an object
 * for good: its {@code deletionTimestamp} survives later writes, and its generation is bumped.
 */
final class SandboxCrudStore extends KubernetesCrudDispatcher {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Set while the dispatcher creates an object whose initial status the server itself wrote. */
  private final ThreadLocal<Boolean> keepStatusOnCreate = ThreadLocal.withInitial(() -> false);

  /** Creates the object with the status in the request, as the server defaults it (pods). */
  MockResponse createWithServerStatus(RecordedRequest request) {
    keepStatusOnCreate.set(true);
    try {
      return handleCreate(request);
    } finally {
      keepStatusOnCreate.set(false);
    }
  }

  @Override
  public boolean isStatusSubresourceEnabledForResource(String path) {
    if (keepStatusOnCreate.get()) {
      return false;
    }
    if (super.isStatusSubresourceEnabledForResource(path)) {
      return true;
    }
    return ResourcePath.parse(path.split("\\?", 2)[0])
        .flatMap(p -> ResourceType.BUILT_IN.stream().filter(t -> t.matches(p)).findFirst())
        .map(ResourceType::statusSubresource)
        .orElse(false);
  }

  @Override
  public void processEvent(
      String path,
      AttributeSet pathAttributes,
      AttributeSet oldAttributes,
      GenericKubernetesResource resource,
      String newState) {
    String existing = oldAttributes == null ? null : map.get(oldAttributes);
    if (existing == null || newState == null) {
      super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
      return;
    }
    ObjectNode before = parse(existing);
    ObjectNode after = parse(newState);
    ObjectNode beforeMeta = (ObjectNode) before.path("metadata");
    ObjectNode afterMeta = (ObjectNode) after.path("metadata");
    if (beforeMeta.hasNonNull("deletionTimestamp")) {
      if (!afterMeta.hasNonNull("deletionTimestamp")) {
        afterMeta.set("deletionTimestamp", beforeMeta.get("deletionTimestamp"));
        afterMeta.put("deletionGracePeriodSeconds", 0);
        if (afterMeta.path("finalizers").isEmpty()) {
          // The write removed the last finalizer of an object being deleted: it goes now.
          super.processEvent(path, pathAttributes, oldAttributes, null, null);
          return;
        }
        newState = after.toString();
      }
    } else if (afterMeta.hasNonNull("deletionTimestamp")) {
      afterMeta.put("deletionGracePeriodSeconds", 0);
      if (afterMeta.has("generation")) {
        afterMeta.put("generation", beforeMeta.path("generation").asLong() + 1);
      }
      newState = after.toString();
    }
    super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
  }

  private static ObjectNode parse(String json) {
    try {
      return (ObjectNode) JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
