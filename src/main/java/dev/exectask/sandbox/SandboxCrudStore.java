package dev.exectask.sandbox;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.CrudDispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.Response;
import io.fabric8.mockwebserver.http.WebSocket;
import io.fabric8.mockwebserver.http.WebSocketListener;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Collections;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * fabric8's CRUD dispatcher with the API server rules it lacks: built-in types with a status
 * subresource (pods) keep their status out of main-resource writes, and deletion marks an object
 * for good: its {@code deletionTimestamp} survives later writes, and its generation is bumped. A
 * watch that ends leaves the set of watches before it stops taking events, so that no write meets a
 * closed watch (the mock stops a watch's sender first, and a write in between fails). Reads, writes
 * and deletes of one named object look it up in an index ({@link IndexedObjects}) instead of
 * testing every stored object, so their cost does not grow with the number of objects.
 */
final class SandboxCrudStore extends KubernetesCrudDispatcher {

  /** The mock's watches, each sent every event of the objects it matches. */
  private final Set<?> watches = field("watchEventListeners", Set.class);

  private final ReadWriteLock lock = field("lock", ReadWriteLock.class);

  /** The mock's lock: every write, and the events it sends, happen under its write half. */
  private final Lock writes = lock.writeLock();

  /** Its read half, under which the mock's reads run side by side. */
  private final Lock reads = lock.readLock();

  /** The mock's store, replaced by the same store with an index by name. */
  private final IndexedObjects objects = indexStore();

  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a create on this thread stored (with the uid the store gave it), for its answer. */
  private final ThreadLocal<String> createdState = new ThreadLocal<>();

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

  /** Creates the object, answered with it as stored: with its uid (see processEvent). */
  @Override
  public MockResponse handleCreate(RecordedRequest request) {
    try {
      MockResponse response = super.handleCreate(request);
      String stored = createdState.get();
      return response.code() == 201 && stored != null ? response.setBody(stored) : response;
    } finally {
      createdState.remove();
    }
  }

  /**
   * A watch of the mock for {@code path} that, when its connection closes or fails, leaves the set
   * of watches (between two writes) before the mock stops it.
   */
  WebSocketListener watch(String path) {
    WebSocketListener watch = handleWatch(path).getWebSocketListener();
    return new WebSocketListener() {
      @Override
      public void onBeforeAccept(WebSocket webSocket, Response response) {
        watch.onBeforeAccept(webSocket, response);
      }

      @Override
      public void onOpen(WebSocket webSocket, Response response) {
        watch.onOpen(webSocket, response);
      }

      @Override
      public void onClosing(WebSocket webSocket, int code, String reason) {
        forget(watch);
        watch.onClosing(webSocket, code, reason);
      }

      @Override
      public void onClosed(WebSocket webSocket, int code, String reason) {
        forget(watch);
        watch.onClosed(webSocket, code, reason);
      }

      @Override
      public void onFailure(WebSocket webSocket, Throwable error, Response response) {
        forget(watch);
        watch.onFailure(webSocket, error, response);
      }
    };
  }

  private void forget(WebSocketListener watch) {
    writes.lock();
    try {
      watches.remove(watch);
    } finally {
      writes.unlock();
    }
  }

  private IndexedObjects indexStore() {
    IndexedObjects indexed = new IndexedObjects();
    indexed.putAll(map);
    try {
      Field field = CrudDispatcher.class.getDeclaredField("map");
      field.setAccessible(true);
      field.set(this, Collections.synchronizedMap(indexed));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "this kubernetes-server-mock has no map field: the sandbox needs its version", e);
    }
    return indexed;
  }

  @Override
  public Map.Entry<AttributeSet, String> findResource(AttributeSet attributes) {
    // The mock calls this under its lock. Without the shortcut, each Event the operator posts
    // (generateName) compared every stored object: 8 % of the sandbox's CPU at 500 tasks,
    // growing with every object stored.
    if (IndexedObjects.namesNone(attributes)) {
      return null;
    }
    return IndexedObjects.namesOne(attributes)
        ? objects.find(attributes)
        : super.findResource(attributes);
  }

  @Override
  public MockResponse handleGet(String path) {
    if (isWatch(path)) {
      return super.handleGet(path);
    }
    AttributeSet query = getKey(path);
    if (!IndexedObjects.namesOne(query)) {
      return super.handleGet(path);
    }
    reads.lock();
    try {
      Map.Entry<AttributeSet, String> found = objects.find(query);
      return found == null
          ? new MockResponse().setResponseCode(404)
          : new MockResponse().setResponseCode(200).setBody(found.getValue());
    } finally {
      reads.unlock();
    }
  }

  /**
   * Deletes one named object as the mock does: gone when it has no finalizers, otherwise marked
   * with a deletionTimestamp (once); answered with the object as it was.
   */
  @Override
  public MockResponse handleDelete(String path) {
    AttributeSet query = getKey(path);
    if (!IndexedObjects.namesOne(query)) {
      return super.handleDelete(path);
    }
    writes.lock();
    try {
      Map.Entry<AttributeSet, String> found = objects.find(query);
      if (found == null) {
        return new MockResponse().setResponseCode(404);
      }
      GenericKubernetesResource resource =
          Serialization.unmarshal(found.getValue(), GenericKubernetesResource.class);
      if (resource.getFinalizers().isEmpty()) {
        processEvent(path, query, found.getKey(), null, null);
      } else if (!resource.isMarkedForDeletion()) {
        resource
            .getMetadata()
            .setDeletionTimestamp(
                ZonedDateTime.now(ZoneOffset.UTC)
                    .truncatedTo(ChronoUnit.SECONDS)
                    .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        resource.getMetadata().setResourceVersion(String.valueOf(requestResourceVersion()));
        processEvent(path, query, found.getKey(), resource, Serialization.asJson(resource));
      }
      return new MockResponse().setResponseCode(200).setBody(found.getValue());
    } finally {
      writes.unlock();
    }
  }

  private static boolean isWatch(String path) {
    int query = path.indexOf('?');
    return query >= 0 && path.substring(query + 1).contains("watch=true");
  }

  private <T> T field(String name, Class<T> type) {
    try {
      Field field = KubernetesCrudDispatcher.class.getDeclaredField(name);
      field.setAccessible(true);
      return type.cast(field.get(this));
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "this kubernetes-server-mock has no " + name + " field: the sandbox needs its version",
          e);
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
    if (oldAttributes == null && newState != null) {
      // A create. The mock's uids count up from 1 in every process (fabric8's generateId), so
      // two sandboxes on one host would give their objects the same uids, and the tasks the
      // same markers and state dirs; a cluster's uids are random.
      ObjectNode created = parse(newState);
      ((ObjectNode) created.path("metadata")).put("uid", UUID.randomUUID().toString());
      newState = created.toString();
      createdState.set(newState);
    }
    String existing = oldAttributes == null ? null : map.get(oldAttributes);
    if (existing == null
        || newState == null
        || !existing.contains(DELETION_TIMESTAMP) && !newState.contains(DELETION_TIMESTAMP)) {
      // Nothing below applies to an object that no one is deleting: no need to parse the two
      // states, under the store's write lock that every other write and read is waiting for.
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

  private static final String DELETION_TIMESTAMP = "\"deletionTimestamp\"";

  private static ObjectNode parse(String json) {
    try {
      return (ObjectNode) JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
