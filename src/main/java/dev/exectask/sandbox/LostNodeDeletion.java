package dev.exectask.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.exectask.sandbox.node.EmulatedNode;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * How the API server's deletion of a pod plays out when its node is lost ({@code
 * sandbox.exectask.dev/node: lost}): in a cluster the kubelet finishes a pod's deletion, and an
 * unreachable one never does, so the pod stays Terminating. A finalizer standing for that kubelet
 * keeps the object; a delete with grace period 0 (the node once back, or {@code --force}) removes
 * the finalizer, and with it the pod.
 */
final class LostNodeDeletion {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a delete does instead of removing the pod. */
  sealed interface Held {}

  /** Write this object (marked for deletion, or released) instead of deleting. */
  record Write(ObjectNode pod) implements Held {}

  /** The pod is already held: the delete changes nothing. */
  record Unchanged() implements Held {}

  private LostNodeDeletion() {}

  /** Empty when the pod is deleted as usual. */
  static Optional<Held> onDelete(JsonNode pod, long gracePeriodSeconds, Instant now) {
    JsonNode metadata = pod.path("metadata");
    List<String> finalizers = new ArrayList<>();
    metadata.path("finalizers").forEach(f -> finalizers.add(f.asText()));
    boolean held = finalizers.remove(EmulatedNode.UNREACHABLE_NODE_FINALIZER);
    boolean lost =
        EmulatedNode.NODE_LOST.equals(
            metadata.path("annotations").path(EmulatedNode.NODE_ANNOTATION).asText(null));
    boolean forced = gracePeriodSeconds == 0;
    if (forced ? !held : !held && !lost) {
      return Optional.empty();
    }
    if (held && !forced) {
      return Optional.of(new Unchanged());
    }
    ObjectNode written = pod.deepCopy();
    ArrayNode kept = written.with("metadata").putArray("finalizers");
    finalizers.forEach(kept::add);
    if (!forced) {
      kept.add(EmulatedNode.UNREACHABLE_NODE_FINALIZER);
      written
          .with("metadata")
          .put("deletionTimestamp", now.truncatedTo(ChronoUnit.SECONDS).toString());
    }
    return Optional.of(new Write(written));
  }

  /** DeleteOptions.gracePeriodSeconds, from the query or the body; -1 when not given. */
  static long gracePeriodSeconds(String query, byte[] body) {
    try {
      if (query != null) {
        return Long.parseLong(query);
      }
      if (body == null || body.length == 0) {
        return -1;
      }
      return JSON.readTree(body).path("gracePeriodSeconds").asLong(-1);
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }
}
