package dev.exectask.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.exectask.sandbox.api.CustomResourceSchema;
import dev.exectask.sandbox.api.CustomResourceSchema.FieldValidation;
import dev.exectask.sandbox.api.RejectedWrite;
import io.fabric8.mockwebserver.dsl.HttpMethod;
import io.fabric8.mockwebserver.http.Buffer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.Headers;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.fabric8.mockwebserver.http.WebSocketListener;
import io.fabric8.zjsonpatch.JsonDiff;
import io.fabric8.zjsonpatch.JsonPatch;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;

/**
 * The sandbox's Kubernetes API: fabric8's CRUD dispatcher (the store, watches, resourceVersion
 * conflicts, finalizers) behind the parts of the API server it lacks and the operator and kubectl
 * use: discovery, Tables, full label and field selectors, merge, strategic and server-side-apply
 * patches, API defaults of pods and namespaces, the schemas of custom resources, and error
 * Statuses.
 */
final class SandboxDispatcher extends Dispatcher {

  static final String CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final int MAX_REMEMBERED_APPLIES = 10_000;

  private final SandboxCrudStore store = new SandboxCrudStore();
  private final Clock clock;

  private final WriteLocks writes = new WriteLocks();

  /** What each field manager last applied, per object and subresource (server-side apply). */
  private final Map<String, JsonNode> lastApplied =
      Collections.synchronizedMap(
          new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, JsonNode> eldest) {
              return size() > MAX_REMEMBERED_APPLIES;
            }
          });

  private volatile List<ResourceType> types;
  private volatile BiConsumer<JsonNode, JsonNode> podWrites = (before, after) -> {};
  private volatile String serverAddress = "127.0.0.1";

  SandboxDispatcher(Clock clock) {
    this.clock = clock;
  }

  /** Told of every write of a pod (not its status), with the pod before and after it. */
  void onPodWrite(BiConsumer<JsonNode, JsonNode> listener) {
    this.podWrites = listener;
  }

  /** The host:port that {@code /api} announces. */
  void serverAddress(String hostAndPort) {
    this.serverAddress = hostAndPort;
  }

  /** An API error, answered with its Status. */
  static final class ApiException extends RuntimeException {
    final ApiStatus.Error error;

    ApiException(ApiStatus.Error error) {
      super(error.body(), null, false, false);
      this.error = error;
    }
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    try {
      return route(request);
    } catch (ApiException e) {
      return json(e.error);
    } catch (RejectedWrite e) {
      return json(e.code(), e.body());
    } catch (IllegalArgumentException e) {
      return json(ApiStatus.badRequest(String.valueOf(e.getMessage())));
    }
  }

  private MockResponse route(RecordedRequest request) {
    QueryStringDecoder uri = new QueryStringDecoder(request.getPath());
    String path = uri.path().length() > 1 ? uri.path().replaceAll("/+$", "") : uri.path();
    Map<String, List<String>> query = uri.parameters();
    HttpMethod method = request.method();
    if (method == HttpMethod.GET) {
      Optional<MockResponse> document = discovery(path);
      if (document.isPresent()) {
        return document.get();
      }
    }
    ResourcePath target = ResourcePath.parse(path).orElseThrow(SandboxDispatcher::noSuchResource);
    ResourceType type = type(target).orElseThrow(SandboxDispatcher::noSuchResource);
    if (target.subresource() != null && !target.isStatus()) {
      if (type.execSubresource() && target.subresource().equals("exec")) {
        throw new ApiException(ApiStatus.badRequest("Upgrade request required"));
      }
      throw noSuchResource();
    }
    if (type.isReview()) {
      if (method != HttpMethod.POST) {
        throw new ApiException(ApiStatus.methodNotAllowed());
      }
      return json(201, ApiDefaults.allowed(body(request)).toString());
    }
    if (method != HttpMethod.GET && first(query, "dryRun") != null) {
      throw new ApiException(
          ApiStatus.badRequest("dryRun is not supported by the sandbox API server"));
    }
    String accept = request.getHeader("Accept");
    return switch (method) {
      case GET -> {
        if (target.isCollection() && isTrue(first(query, "watch"))) {
          yield new MockResponse().withWebSocketUpgrade(watch(request));
        }
        yield target.isCollection()
            ? list(target, type, query, accept)
            : get(target, type, query, accept);
      }
      case POST -> create(target, type, body(request), fieldValidation(query));
      case PUT -> update(target, type, body(request), fieldValidation(query));
      case PATCH -> patch(request, target, type, query);
      case DELETE -> delete(request, target, type, query);
      default -> throw new ApiException(ApiStatus.methodNotAllowed());
    };
  }

  private Optional<MockResponse> discovery(String path) {
    List<ResourceType> all = types();
    String[] segments = path.substring(1).split("/");
    Optional<String> document;
    if (path.equals("/version")) {
      document = Optional.of(Discovery.version());
    } else if (path.equals("/api")) {
      document = Optional.of(Discovery.coreVersions(serverAddress));
    } else if (path.equals("/apis")) {
      document = Optional.of(Discovery.groupList(all));
    } else if (List.of("/healthz", "/livez", "/readyz").contains(path)) {
      return Optional.of(new MockResponse().setResponseCode(200).setBody("ok"));
    } else if (path.equals("/api/v1")) {
      document = Discovery.resourceList(all, "v1");
    } else if (segments[0].equals("apis") && segments.length == 2) {
      document = Discovery.group(all, segments[1]);
    } else if (segments[0].equals("apis") && segments.length == 3) {
      document = Discovery.resourceList(all, segments[1] + "/" + segments[2]);
    } else if (path.equals("/openapi/v2")) {
      // An empty OpenAPI document (the empty protobuf message): kubectl finds no schema for any
      // type and skips client-side validation, as the API server validates nothing either.
      return Optional.of(
          new MockResponse()
              .setResponseCode(200)
              .setHeader("Content-Type", "application/octet-stream")
              .setBody(new byte[0]));
    } else if (path.equals("/openapi/v3") || path.startsWith("/openapi/v3/")) {
      document = Discovery.openApiV3(all, path);
    } else if (path.startsWith("/openapi/")) {
      throw noSuchResource();
    } else {
      return Optional.empty();
    }
    return Optional.of(json(200, document.orElseThrow(SandboxDispatcher::noSuchResource)));
  }

  /** Every served type: the built-in ones and the served versions of every stored CRD. */
  List<ResourceType> types() {
    List<ResourceType> known = types;
    if (known == null) {
      List<ResourceType> all = new ArrayList<>(ResourceType.BUILT_IN);
      items(store.handleGet(CRD_PATH)).forEach(crd -> all.addAll(ResourceType.fromCrd(crd)));
      known = List.copyOf(all);
      types = known;
    }
    return known;
  }

  private Optional<ResourceType> type(ResourcePath path) {
    return types().stream().filter(t -> t.matches(path)).findFirst();
  }

  private MockResponse get(
      ResourcePath target, ResourceType type, Map<String, List<String>> query, String accept) {
    JsonNode object = find(target).orElseThrow(() -> new ApiException(ApiStatus.notFound(target)));
    if (Tables.wanted(accept)) {
      String resourceVersion = object.path("metadata").path("resourceVersion").asText();
      return json(
          200,
          Tables.table(
                  type,
                  List.of(object),
                  resourceVersion,
                  first(query, "includeObject"),
                  clock.instant())
              .toString());
    }
    return json(200, object.toString());
  }

  private MockResponse list(
      ResourcePath target, ResourceType type, Map<String, List<String>> query, String accept) {
    JsonNode list = body(store.handleGet(target.collectionPath()));
    String resourceVersion = list.path("metadata").path("resourceVersion").asText();
    List<JsonNode> items = select(list.path("items"), query);
    if (Tables.wanted(accept)) {
      return json(
          200,
          Tables.table(type, items, resourceVersion, first(query, "includeObject"), clock.instant())
              .toString());
    }
    ObjectNode result = JSON.createObjectNode();
    result.put("apiVersion", type.groupVersion());
    result.put("kind", type.kind() + "List");
    result.putObject("metadata").put("resourceVersion", resourceVersion);
    result.putArray("items").addAll(items);
    return json(200, result.toString());
  }

  private static List<JsonNode> select(JsonNode items, Map<String, List<String>> query) {
    Selector selector =
        Selector.labels(first(query, "labelSelector"))
            .and(Selector.fields(first(query, "fieldSelector")));
    List<JsonNode> selected = new ArrayList<>();
    items.forEach(
        item -> {
          if (selector.test(item)) {
            selected.add(item);
          }
        });
    selected.sort(
        Comparator.comparing((JsonNode o) -> o.path("metadata").path("namespace").asText())
            .thenComparing(o -> o.path("metadata").path("name").asText()));
    return selected;
  }

  /**
   * Opens a watch, for a websocket or for a chunked HTTP response: the listener gets the connection
   * on open and sends it one watch event per message.
   */
  WebSocketListener watch(RecordedRequest request) {
    QueryStringDecoder uri = new QueryStringDecoder(request.getPath());
    Map<String, List<String>> query = uri.parameters();
    ResourcePath target =
        ResourcePath.parse(uri.path()).orElseThrow(SandboxDispatcher::noSuchResource);
    ResourceType type = type(target).orElseThrow(SandboxDispatcher::noSuchResource);
    Selector selector =
        Selector.labels(first(query, "labelSelector"))
            .and(Selector.fields(first(query, "fieldSelector")));
    if (target.name() != null) {
      selector = selector.and(Selector.fields("metadata.name=" + target.name()));
    }
    long listed;
    try {
      listed = Long.parseLong(Objects.requireNonNullElse(first(query, "resourceVersion"), "0"));
    } catch (NumberFormatException e) {
      listed = 0;
    }
    String includeObject = first(query, "includeObject");
    UnaryOperator<JsonNode> view =
        Tables.wanted(request.getHeader("Accept"))
            ? o ->
                Tables.table(
                    type,
                    List.of(o),
                    o.path("metadata").path("resourceVersion").asText(),
                    includeObject,
                    clock.instant())
            : UnaryOperator.identity();
    String mockPath =
        new ResourcePath(
                    target.group(),
                    target.version(),
                    target.namespace(),
                    target.plural(),
                    null,
                    null)
                .collectionPath()
            + "?watch=true";
    WebSocketListener mockWatch = store.watch(mockPath);
    return WatchFilter.around(mockWatch, new WatchFilter(selector, listed, view));
  }

  private MockResponse create(
      ResourcePath target, ResourceType type, ObjectNode object, FieldValidation validation) {
    if (!target.isCollection()) {
      throw new ApiException(ApiStatus.methodNotAllowed());
    }
    JsonNode metadata = object.path("metadata");
    String name = metadata.path("name").asText(metadata.path("generateName").asText());
    synchronized (writes.of(target, name)) {
      return createObject(target, type, object, validation);
    }
  }

  private MockResponse createObject(
      ResourcePath target, ResourceType type, ObjectNode object, FieldValidation validation) {
    if (type.namespaced() && target.namespace() != null && !namespaceExists(target.namespace())) {
      throw new ApiException(
          ApiStatus.notFound(
              new ResourcePath("", "v1", null, "namespaces", target.namespace(), null)));
    }
    ObjectNode metadata = object.with("metadata");
    String name = metadata.path("name").asText(metadata.path("generateName").asText());
    MockResponse created;
    List<String> warnings = List.of();
    switch (type.group() + "/" + type.kind()) {
      case "/Pod" -> {
        ApiDefaults.validatePod(object);
        ApiDefaults.defaultPod(object);
        created =
            store.createWithServerStatus(request(HttpMethod.POST, target.collectionPath(), object));
      }
      case "/Namespace" -> {
        ApiDefaults.defaultNamespace(object);
        created = store.handleCreate(request(HttpMethod.POST, target.collectionPath(), object));
      }
      case "apiextensions.k8s.io/CustomResourceDefinition" -> {
        ApiDefaults.establishCrd(object, clock.instant());
        created = store.handleCreate(request(HttpMethod.POST, target.collectionPath(), object));
        types = null;
      }
      default -> {
        warnings = admit(target, type, object, null, validation);
        created = store.handleCreate(request(HttpMethod.POST, target.collectionPath(), object));
      }
    }
    if (created.code() == 409) {
      throw new ApiException(ApiStatus.alreadyExists(target, name));
    }
    return warned(json(created.code(), bodyText(created)), warnings);
  }

  private MockResponse update(
      ResourcePath target, ResourceType type, ObjectNode object, FieldValidation validation) {
    synchronized (writes.of(target)) {
      JsonNode current =
          find(target).orElseThrow(() -> new ApiException(ApiStatus.notFound(target)));
      List<String> warnings = admit(target, type, object, current, validation);
      return warned(
          podWritten(
              target,
              type,
              current,
              finalState(
                  stored(
                      target,
                      type,
                      store.handleUpdate(request(HttpMethod.PUT, target.path(), object))),
                  object)),
          warnings);
    }
  }

  private MockResponse patch(
      RecordedRequest request,
      ResourcePath target,
      ResourceType type,
      Map<String, List<String>> query) {
    String contentType =
        Objects.requireNonNullElse(request.getHeader("Content-Type"), "").split(";")[0].trim();
    JsonNode patch = contentType.endsWith("yaml") ? readYaml(request) : readJson(request);
    synchronized (writes.of(target)) {
      Optional<JsonNode> found = find(target);
      if (found.isEmpty()
          && contentType.equals("application/apply-patch+yaml")
          && !target.isStatus()) {
        return applyCreate(
            target, type, patch, first(query, "fieldManager"), fieldValidation(query));
      }
      JsonNode current = found.orElseThrow(() -> new ApiException(ApiStatus.notFound(target)));
      JsonNode updated;
      switch (contentType) {
        case "application/json-patch+json" -> updated = JsonPatch.apply(patch, current);
        case "application/merge-patch+json" -> updated = MergePatches.merge(current, patch);
        case "application/strategic-merge-patch+json" ->
            updated = MergePatches.mergeStrategic(current, patch);
        case "application/apply-patch+yaml" -> {
          JsonNode previous =
              lastApplied.get(appliedKey(current, target, first(query, "fieldManager")));
          JsonNode mergePatch =
              target.isStatus()
                  ? MergePatches.applyStatusPatch(previous, patch)
                  : MergePatches.applyPatch(previous, patch);
          updated = MergePatches.merge(current, mergePatch);
        }
        default -> throw new ApiException(ApiStatus.unsupportedMediaType(contentType));
      }
      List<String> warnings =
          updated instanceof ObjectNode object
              ? admit(target, type, object, current, fieldValidation(query))
              : List.of();
      if (contentType.equals("application/apply-patch+yaml")) {
        // Only an admitted apply is what the manager last applied.
        lastApplied.put(appliedKey(current, target, first(query, "fieldManager")), patch);
      }
      JsonNode jsonPatch = JsonDiff.asJson(current, updated);
      return warned(
          podWritten(
              target,
              type,
              current,
              finalState(
                  stored(
                      target,
                      type,
                      store.handlePatch(
                          new RecordedRequest(
                              "HTTP/1.1",
                              HttpMethod.PATCH,
                              target.path(),
                              Headers.builder()
                                  .add("Content-Type", "application/json-patch+json")
                                  .build(),
                              new Buffer(jsonPatch.toString().getBytes(StandardCharsets.UTF_8))))),
                  updated)),
          warnings);
    }
  }

  private MockResponse applyCreate(
      ResourcePath target,
      ResourceType type,
      JsonNode applied,
      String fieldManager,
      FieldValidation validation) {
    if (!applied.isObject()) {
      throw new ApiException(ApiStatus.badRequest("the apply body is not an object"));
    }
    ObjectNode object = ((ObjectNode) applied).deepCopy();
    object.with("metadata").put("name", target.name());
    object.with("metadata").remove("managedFields");
    ResourcePath collection =
        new ResourcePath(
            target.group(), target.version(), target.namespace(), target.plural(), null, null);
    MockResponse created = createObject(collection, type, object, validation);
    find(target)
        .ifPresent(stored -> lastApplied.put(appliedKey(stored, target, fieldManager), applied));
    return created;
  }

  private static String appliedKey(JsonNode object, ResourcePath target, String fieldManager) {
    return object.path("metadata").path("uid").asText()
        + "/"
        + Objects.requireNonNullElse(target.subresource(), "")
        + "/"
        + fieldManager;
  }

  private MockResponse podWritten(
      ResourcePath target, ResourceType type, JsonNode before, MockResponse response) {
    if (type.group().isEmpty()
        && type.kind().equals("Pod")
        && !target.isStatus()
        && response.code() == 200) {
      podWrites.accept(before, body(response));
    }
    return response;
  }

  /** Answers a write of the store, with the API server's wording of its failures. */
  /**
   * A write that removes the last finalizer of an object being deleted deletes it; the mock then
   * answers with no body, but the API server answers with the object as written (clients, such as
   * the operator framework's cache, read it).
   */
  private static MockResponse finalState(MockResponse response, JsonNode written) {
    if (response.code() == 200 && bodyText(response).isBlank()) {
      return json(200, written.toString());
    }
    return response;
  }

  private MockResponse stored(ResourcePath target, ResourceType type, MockResponse response) {
    if (type.kind().equals("CustomResourceDefinition")) {
      types = null;
    }
    return switch (response.code()) {
      case 404 -> throw new ApiException(ApiStatus.notFound(target));
      case 409 -> throw new ApiException(ApiStatus.conflict(target));
      case 202 -> json(200, bodyText(response));
      default -> json(response.code(), bodyText(response));
    };
  }

  // --- The schemas of custom resources (sandbox.api): pruning, defaults, OpenAPI and CEL rules.

  /**
   * Prunes, defaults and validates a write of a custom resource in place, against the served
   * version's schema and, on update, the stored object; returns the warnings to send. The status
   * subresource checks the status only, the main resource everything else.
   */
  private static List<String> admit(
      ResourcePath target,
      ResourceType type,
      ObjectNode object,
      JsonNode current,
      FieldValidation validation) {
    if (type.schema() == null) {
      return List.of();
    }
    CustomResourceSchema schema =
        new CustomResourceSchema(
            type.group(), type.version(), type.kind(), type.schema(), type.statusSubresource());
    return target.isStatus()
        ? schema.admitStatus(object, current, validation)
        : schema.admit(object, current, validation);
  }

  private static FieldValidation fieldValidation(Map<String, List<String>> query) {
    return FieldValidation.of(first(query, "fieldValidation"));
  }

  /**
   * Each warning as a {@code Warning} header, as the API server sends them (RFC 7234, code 299).
   */
  private static MockResponse warned(MockResponse response, List<String> warnings) {
    for (String warning : warnings) {
      response.addHeader(
          "Warning", "299 - \"" + warning.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
    }
    return response;
  }

  // --- End of the schemas of custom resources.

  private MockResponse delete(
      RecordedRequest request,
      ResourcePath target,
      ResourceType type,
      Map<String, List<String>> query) {
    long gracePeriod =
        LostNodeDeletion.gracePeriodSeconds(
            first(query, "gracePeriodSeconds"),
            request.getBody() == null ? null : request.getBody().getBytes());
    if (target.isCollection()) {
      JsonNode list = body(store.handleGet(target.collectionPath()));
      ArrayNode deleted = JSON.createArrayNode();
      for (JsonNode listed : select(list.path("items"), query)) {
        ResourcePath one =
            new ResourcePath(
                target.group(),
                target.version(),
                listed.path("metadata").path("namespace").asText(null),
                target.plural(),
                listed.path("metadata").path("name").asText(),
                null);
        synchronized (writes.of(one)) {
          Optional<JsonNode> item = find(one);
          if (item.isEmpty()) {
            continue;
          }
          if (!heldOnLostNode(one, type, item.get(), gracePeriod)) {
            store.handleDelete(one.objectPath());
          }
          deleted.add(item.get());
        }
      }
      ObjectNode result = JSON.createObjectNode();
      result.put("apiVersion", type.groupVersion());
      result.put("kind", type.kind() + "List");
      result.putObject("metadata");
      result.set("items", deleted);
      return json(200, result.toString());
    }
    if (type.kind().equals("Namespace") && type.group().isEmpty()) {
      // Before the namespace's own lock: no write holds two locks.
      deleteContents(target.name());
    }
    synchronized (writes.of(target)) {
      Optional<JsonNode> pod = find(target);
      if (pod.isPresent() && heldOnLostNode(target, type, pod.get(), gracePeriod)) {
        return json(200, find(target).orElse(pod.get()).toString());
      }
      MockResponse response = store.handleDelete(target.objectPath());
      if (response.code() == 404) {
        throw new ApiException(ApiStatus.notFound(target));
      }
      if (type.kind().equals("CustomResourceDefinition")) {
        types = null;
      }
      return json(200, find(target).map(JsonNode::toString).orElse(bodyText(response)));
    }
  }

  /** Whether a pod on a lost node stays Terminating instead (see {@link LostNodeDeletion}). */
  private boolean heldOnLostNode(
      ResourcePath path, ResourceType type, JsonNode object, long gracePeriod) {
    if (!type.group().isEmpty() || !type.kind().equals("Pod")) {
      return false;
    }
    Optional<LostNodeDeletion.Held> held =
        LostNodeDeletion.onDelete(object, gracePeriod, clock.instant());
    if (held.orElse(null) instanceof LostNodeDeletion.Write write) {
      stored(path, type, store.handleUpdate(request(HttpMethod.PUT, path.path(), write.pod())));
    }
    return held.isPresent();
  }

  /** Deleting a namespace deletes what it holds (objects with finalizers are only marked). */
  private void deleteContents(String namespace) {
    List<JsonNode> contents = new ArrayList<>();
    synchronized (store.getMap()) {
      for (String value : store.getMap().values()) {
        JsonNode object = parse(value);
        if (namespace.equals(object.path("metadata").path("namespace").asText())) {
          contents.add(object);
        }
      }
    }
    for (JsonNode object : contents) {
      String apiVersion = object.path("apiVersion").asText();
      String group =
          apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
      String version = apiVersion.substring(apiVersion.indexOf('/') + 1);
      types().stream()
          .filter(
              t ->
                  t.group().equals(group)
                      && t.version().equals(version)
                      && t.kind().equals(object.path("kind").asText()))
          .findFirst()
          .ifPresent(
              t -> {
                ResourcePath one =
                    new ResourcePath(
                        group,
                        version,
                        namespace,
                        t.plural(),
                        object.path("metadata").path("name").asText(),
                        null);
                synchronized (writes.of(one)) {
                  store.handleDelete(one.objectPath());
                }
              });
    }
  }

  /** Checks an exec request as the API server does before it reaches the kubelet. */
  ExecRequest checkExec(ExecRequest exec) {
    ResourcePath pod = new ResourcePath("", "v1", exec.namespace(), "pods", exec.podName(), null);
    JsonNode object = find(pod).orElseThrow(() -> new ApiException(ApiStatus.notFound(pod)));
    String phase = object.path("status").path("phase").asText();
    if (phase.equals("Succeeded") || phase.equals("Failed")) {
      throw new ApiException(
          ApiStatus.badRequest(
              "cannot exec into a container in a completed pod; current phase is " + phase));
    }
    List<String> names = new ArrayList<>();
    for (String kind : List.of("containers", "initContainers", "ephemeralContainers")) {
      object.path("spec").path(kind).forEach(c -> names.add(c.path("name").asText()));
    }
    String container = exec.container();
    if (container == null || container.isEmpty()) {
      List<String> regular = new ArrayList<>();
      object.path("spec").path("containers").forEach(c -> regular.add(c.path("name").asText()));
      if (regular.size() != 1) {
        throw new ApiException(
            ApiStatus.badRequest(
                "a container name must be specified for pod "
                    + exec.podName()
                    + ", choose one of: ["
                    + String.join(" ", regular)
                    + "]"));
      }
      container = regular.get(0);
    } else if (!names.contains(container)) {
      throw new ApiException(
          ApiStatus.badRequest(
              "container " + container + " is not valid for pod " + exec.podName()));
    }
    if (exec.command().isEmpty()) {
      throw new ApiException(
          ApiStatus.badRequest("you must specify at least one command for the container"));
    }
    if (!exec.stdin() && !exec.stdout() && !exec.stderr()) {
      throw new ApiException(
          ApiStatus.badRequest("you must specify at least 1 of stdin, stdout, stderr"));
    }
    Map<String, String> annotations = new LinkedHashMap<>();
    object
        .path("metadata")
        .path("annotations")
        .fields()
        .forEachRemaining(a -> annotations.put(a.getKey(), a.getValue().asText()));
    return exec.withPod(container, annotations);
  }

  private boolean namespaceExists(String namespace) {
    return store.handleGet("/api/v1/namespaces/" + namespace).code() == 200;
  }

  private Optional<JsonNode> find(ResourcePath target) {
    MockResponse response = store.handleGet(target.path());
    return response.code() == 200 ? Optional.of(body(response)) : Optional.empty();
  }

  private static RecordedRequest request(HttpMethod method, String path, JsonNode body) {
    return new RecordedRequest(
        "HTTP/1.1",
        method,
        path,
        Headers.builder().add("Content-Type", "application/json").build(),
        new Buffer(body.toString().getBytes(StandardCharsets.UTF_8)));
  }

  private static ObjectNode body(RecordedRequest request) {
    String contentType = Objects.requireNonNullElse(request.getHeader("Content-Type"), "");
    JsonNode body = contentType.contains("yaml") ? readYaml(request) : readJson(request);
    if (!body.isObject()) {
      throw new ApiException(ApiStatus.badRequest("the request body is not a JSON object"));
    }
    return (ObjectNode) body;
  }

  private static JsonNode readJson(RecordedRequest request) {
    return read(JSON, request);
  }

  private static JsonNode readYaml(RecordedRequest request) {
    return read(YAML, request);
  }

  private static JsonNode read(ObjectMapper mapper, RecordedRequest request) {
    byte[] bytes = request.getBody() == null ? new byte[0] : request.getBody().getBytes();
    try {
      JsonNode node = mapper.readTree(bytes);
      if (node == null || node.isMissingNode()) {
        throw new ApiException(ApiStatus.badRequest("the request has no body"));
      }
      return node;
    } catch (IOException e) {
      throw new ApiException(
          ApiStatus.badRequest("the body of the request could not be decoded: " + e.getMessage()));
    }
  }

  private static JsonNode body(MockResponse response) {
    return parse(bodyText(response));
  }

  private static String bodyText(MockResponse response) {
    return response.getBody() == null
        ? ""
        : new String(response.getBody().getBytes(), StandardCharsets.UTF_8);
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalStateException("the store holds invalid JSON", e);
    }
  }

  private static List<JsonNode> items(MockResponse list) {
    List<JsonNode> items = new ArrayList<>();
    body(list).path("items").forEach(items::add);
    return items;
  }

  /** The answer carrying an API server's Status. */
  static MockResponse json(ApiStatus.Error error) {
    return json(error.code(), error.body());
  }

  static MockResponse json(int code, String body) {
    return new MockResponse()
        .setResponseCode(code)
        .setHeader("Content-Type", "application/json")
        .setBody(body);
  }

  private static ApiException noSuchResource() {
    return new ApiException(ApiStatus.notFoundResource());
  }

  static String first(Map<String, List<String>> query, String name) {
    List<String> values = query.get(name);
    return values == null || values.isEmpty() ? null : values.get(0);
  }

  static boolean isTrue(String value) {
    return "true".equals(value) || "1".equals(value);
  }
}
