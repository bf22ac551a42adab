package dev.exectask.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import org.junit.jupiter.api.Test;

/** The store's named reads, writes and deletes, which go through its index by name. */
class SandboxCrudStoreTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final SandboxCrudStore store = new SandboxCrudStore();

  @Test
  void aNamedReadFindsTheObjectOfItsNamespaceAndGroupOnly() throws Exception {
    create(
        "/api/v1/namespaces/a/configmaps",
        "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\","
            + "\"metadata\":{\"name\":\"same\"},\"data\":{\"in\":\"a\"}}");
    create(
        "/api/v1/namespaces/b/configmaps",
        "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\","
            + "\"metadata\":{\"name\":\"same\"},\"data\":{\"in\":\"b\"}}");
    create(
        "/api/v1/namespaces/a/events",
        "{\"kind\":\"Event\",\"apiVersion\":\"v1\","
            + "\"metadata\":{\"name\":\"e\"},\"reason\":\"core\"}");
    create(
        "/apis/events.k8s.io/v1/namespaces/a/events",
        "{\"kind\":\"Event\","
            + "\"apiVersion\":\"events.k8s.io/v1\",\"metadata\":{\"name\":\"e\"},\"reason\":\"new\"}");

    assertEquals("a", body(get("/api/v1/namespaces/a/configmaps/same")).at("/data/in").asText());
    assertEquals("b", body(get("/api/v1/namespaces/b/configmaps/same")).at("/data/in").asText());
    assertEquals(404, get("/api/v1/namespaces/c/configmaps/same").code());
    assertEquals(404, get("/api/v1/namespaces/a/configmaps/other").code());
    assertEquals("core", body(get("/api/v1/namespaces/a/events/e")).path("reason").asText());
    assertEquals(
        "new", body(get("/apis/events.k8s.io/v1/namespaces/a/events/e")).path("reason").asText());
    assertEquals(2, body(get("/api/v1/configmaps")).path("items").size(), "a list still scans");
  }

  @Test
  void aSecondCreateOfOneNameConflictsAndAPatchChangesTheOneObject() throws Exception {
    String cm =
        "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"c\"},"
            + "\"data\":{\"k\":\"1\"}}";
    assertEquals(201, create("/api/v1/namespaces/a/configmaps", cm).code());
    assertEquals(409, create("/api/v1/namespaces/a/configmaps", cm).code());

    MockResponse patched =
        store.handlePatch(
            request(
                HttpMethod.PATCH,
                "/api/v1/namespaces/a/configmaps/c",
                "application/json-patch+json",
                "[{\"op\":\"replace\",\"path\":\"/data/k\",\"value\":\"2\"}]"));
    assertEquals(202, patched.code(), "the mock answers a patch with 202");
    assertEquals("2", body(get("/api/v1/namespaces/a/configmaps/c")).at("/data/k").asText());
    assertEquals(1, body(get("/api/v1/namespaces/a/configmaps")).path("items").size());
  }

  @Test
  void createsWithAGenerateNameEachMakeAnObjectOfTheirOwn() throws Exception {
    String event =
        "{\"kind\":\"Event\",\"apiVersion\":\"v1\",\"metadata\":{\"generateName\":\"t1.\"},"
            + "\"reason\":\"Started\"}";
    MockResponse first = create("/api/v1/namespaces/a/events", event);
    MockResponse second = create("/api/v1/namespaces/a/events", event);

    assertEquals(201, first.code());
    assertEquals(201, second.code());
    String name = body(first).at("/metadata/name").asText();
    assertTrue(name.startsWith("t1."), name);
    assertEquals(
        "Started", body(get("/api/v1/namespaces/a/events/" + name)).path("reason").asText());
    assertEquals(2, body(get("/api/v1/namespaces/a/events")).path("items").size());
  }

  @Test
  void twoSandboxesGiveTheSameObjectDifferentUidsAndTheCreateAnswersWithTheStoredOne()
      throws Exception {
    SandboxDispatcher one = new SandboxDispatcher(Clock.systemUTC());
    SandboxDispatcher other = new SandboxDispatcher(Clock.systemUTC());
    String namespace =
        "{\"kind\":\"Namespace\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"n\"}}";

    String created =
        uid(
            one.dispatch(
                request(HttpMethod.POST, "/api/v1/namespaces", "application/json", namespace)));
    String elsewhere =
        uid(
            other.dispatch(
                request(HttpMethod.POST, "/api/v1/namespaces", "application/json", namespace)));

    assertEquals(
        created,
        uid(one.dispatch(request(HttpMethod.GET, "/api/v1/namespaces/n", "application/json", ""))));
    assertFalse(created.equals(elsewhere), created + " in both sandboxes");
    assertFalse(created.startsWith("00000000-0000-0000-"), created + " is a counter, not random");
  }

  private static String uid(MockResponse response) throws Exception {
    return body(response).at("/metadata/uid").asText();
  }

  @Test
  void aNamedDeleteRemovesTheObjectOrMarksItWhileFinalizersHoldIt() throws Exception {
    create(
        "/api/v1/namespaces/a/configmaps",
        "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\"," + "\"metadata\":{\"name\":\"plain\"}}");
    create(
        "/api/v1/namespaces/a/configmaps",
        "{\"kind\":\"ConfigMap\",\"apiVersion\":\"v1\","
            + "\"metadata\":{\"name\":\"held\",\"finalizers\":[\"x.dev/f\"]}}");

    MockResponse deleted = store.handleDelete("/api/v1/namespaces/a/configmaps/plain");
    assertEquals(200, deleted.code());
    assertEquals("plain", body(deleted).at("/metadata/name").asText());
    assertEquals(404, get("/api/v1/namespaces/a/configmaps/plain").code());
    assertEquals(404, store.handleDelete("/api/v1/namespaces/a/configmaps/plain").code());

    assertEquals(200, store.handleDelete("/api/v1/namespaces/a/configmaps/held").code());
    JsonNode held = body(get("/api/v1/namespaces/a/configmaps/held"));
    String marked = held.at("/metadata/deletionTimestamp").asText();
    assertFalse(marked.isEmpty(), "a finalizer keeps the object, marked for deletion");
    String version = held.at("/metadata/resourceVersion").asText();
    store.handleDelete("/api/v1/namespaces/a/configmaps/held");
    assertEquals(
        version,
        body(get("/api/v1/namespaces/a/configmaps/held")).at("/metadata/resourceVersion").asText(),
        "a second delete of a marked object changes nothing");
    assertEquals(1, store.getMap().size(), "only the held object is stored");
  }

  private MockResponse create(String path, String json) {
    return store.handleCreate(request(HttpMethod.POST, path, "application/json", json));
  }

  private MockResponse get(String path) {
    return store.handleGet(path);
  }

  private static JsonNode body(MockResponse response) throws Exception {
    return JSON.readTree(response.getBody().getBytes());
  }

  private static RecordedRequest request(
      HttpMethod method, String path, String contentType, String body) {
    return new RecordedRequest(
        "HTTP/1.1",
        method,
        path,
        Headers.builder().add("Content-Type", contentType).build(),
        new Buffer(body.getBytes(StandardCharsets.UTF_8)));
  }
}
