package dev.exectask.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exectask.sandbox.node.EmulatedNode;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The exec connections open into each pod: a fault knob on the pod cuts them when it is set, and
 * tests count them to prove a client closed the ones that hung.
 */
final class ExecConnections {

  private static final Logger LOG = Logger.getLogger(ExecConnections.class);

  private final Map<String, Set<ExecSession>> open = new ConcurrentHashMap<>();

  void opened(ExecSession session) {
    open.computeIfAbsent(key(session.request()), k -> ConcurrentHashMap.newKeySet()).add(session);
  }

  void closed(ExecSession session) {
    open.computeIfPresent(
        key(session.request()),
        (k, sessions) -> {
          sessions.remove(session);
          return sessions.isEmpty() ? null : sessions;
        });
  }

  /** How many exec connections into the pod are open now, hung ones included. */
  int count(String namespace, String podName) {
    Set<ExecSession> sessions = open.get(namespace + "/" + podName);
    return sessions == null ? 0 : sessions.size();
  }

  /**
   * A pod was written: a new value of {@code drop-exec-connections}, or its node becoming lost,
   * cuts every exec connection open into it now. Later ones are not affected.
   */
  void podWritten(JsonNode before, JsonNode after) {
    JsonNode metadata = after.path("metadata");
    String drop = annotation(after, EmulatedNode.DROP_EXEC_ANNOTATION);
    boolean dropped =
        drop != null && !drop.equals(annotation(before, EmulatedNode.DROP_EXEC_ANNOTATION));
    boolean lost = lost(after) && !lost(before);
    if (!dropped && !lost) {
      return;
    }
    String key = metadata.path("namespace").asText() + "/" + metadata.path("name").asText();
    List<ExecSession> cut = List.copyOf(open.getOrDefault(key, Set.of()));
    LOG.debugf(
        "Cutting %d exec connection(s) into pod %s (%s)",
        cut.size(), key, dropped ? EmulatedNode.DROP_EXEC_ANNOTATION : "node lost");
    cut.forEach(ExecSession::sever);
  }

  private static boolean lost(JsonNode pod) {
    return EmulatedNode.NODE_LOST.equals(annotation(pod, EmulatedNode.NODE_ANNOTATION));
  }

  private static String annotation(JsonNode pod, String name) {
    JsonNode value = pod == null ? null : pod.path("metadata").path("annotations").get(name);
    return value == null || value.isNull() ? null : value.asText();
  }

  private static String key(ExecRequest request) {
    return Objects.requireNonNull(request.namespace()) + "/" + request.podName();
  }
}
