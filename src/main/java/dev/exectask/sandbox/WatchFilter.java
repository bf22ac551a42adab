package dev.exectask.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.util.HashSet;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Turns the CRUD mock's watch (every object of a type, replayed as ADDED on open) into the API
 * server's: only objects matching the selectors, nothing the client already listed (at or below the
 * requested resourceVersion), and ADDED/DELETED when an object starts or stops matching.
 */
final class WatchFilter {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Selector selector;
  private final long listedResourceVersion;
  private final UnaryOperator<JsonNode> objectView;
  private final Set<String> known = new HashSet<>();

  /**
   * @param objectView how objects are shown to this client (a one-row Table for kubectl get -w)
   */
  WatchFilter(Selector selector, long listedResourceVersion, UnaryOperator<JsonNode> objectView) {
    this.selector = selector;
    this.listedResourceVersion = listedResourceVersion;
    this.objectView = objectView;
  }

  /** The event to send for one mock event, or null to send nothing. Called on one thread. */
  String apply(String mockEvent) {
    JsonNode event;
    try {
      event = JSON.readTree(mockEvent);
    } catch (JsonProcessingException e) {
      return mockEvent;
    }
    JsonNode object = event.path("object");
    JsonNode metadata = object.path("metadata");
    String key = metadata.path("namespace").asText() + "/" + metadata.path("name").asText();
    String type = event.path("type").asText();
    boolean matches = selector.test(object);
    boolean wasKnown = known.contains(key);
    if (type.equals("DELETED")) {
      known.remove(key);
      return wasKnown ? event(type, object) : null;
    }
    if (!matches) {
      known.remove(key);
      return wasKnown ? event("DELETED", object) : null;
    }
    known.add(key);
    if (!wasKnown && resourceVersion(object) <= listedResourceVersion) {
      return null;
    }
    return event(wasKnown ? "MODIFIED" : "ADDED", object);
  }

  private String event(String type, JsonNode object) {
    ObjectNode event = JSON.createObjectNode();
    event.put("type", type);
    event.set("object", objectView.apply(object));
    return event.toString();
  }

  private static long resourceVersion(JsonNode object) {
    try {
      return Long.parseLong(object.path("metadata").path("resourceVersion").asText("0"));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Puts a filter between the mock's watch listener and the connection it writes to. */
  static WebSocketListener around(WebSocketListener mockWatch, WatchFilter filter) {
    return new WebSocketListener() {
      private WebSocket filtered;

      private synchronized WebSocket filtered(WebSocket connection) {
        if (filtered == null) {
          filtered = filter.on(connection);
        }
        return filtered;
      }

      @Override
      public void onBeforeAccept(WebSocket webSocket, Response response) {
        mockWatch.onBeforeAccept(filtered(webSocket), response);
      }

      @Override
      public void onOpen(WebSocket webSocket, Response response) {
        mockWatch.onOpen(filtered(webSocket), response);
      }

      @Override
      public void onClosing(WebSocket webSocket, int code, String reason) {
        mockWatch.onClosing(filtered(webSocket), code, reason);
      }

      @Override
      public void onClosed(WebSocket webSocket, int code, String reason) {
        mockWatch.onClosed(filtered(webSocket), code, reason);
      }

      @Override
      public void onFailure(WebSocket webSocket, Throwable error, Response response) {
        mockWatch.onFailure(filtered(webSocket), error, response);
      }
    };
  }

  private WebSocket on(WebSocket connection) {
    return new WebSocket() {
      @Override
      public RecordedRequest request() {
        return connection.request();
      }

      @Override
      public boolean send(String text) {
        String event = apply(text);
        return event == null || connection.send(event);
      }

      @Override
      public boolean send(byte[] bytes) {
        return connection.send(bytes);
      }

      @Override
      public boolean close(int code, String reason) {
        return connection.close(code, reason);
      }
    };
  }
}
