package dev.exectask.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Runtime;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Request bodies in the Kubernetes protobuf encoding, read as the JSON the rest of the sandbox
 * stores. kubectl's typed commands send built-in objects that way ({@code kubectl create
 * namespace}, {@code create secret}, {@code create deployment}, {@code auth can-i}, ...), as the
 * API server accepts them; {@code kubectl apply} and {@code create -f} send JSON.
 *
 * <p>The body is the {@code k8s\0} magic and a {@code runtime.Unknown} envelope (the object's
 * apiVersion and kind, and its message); the message is decoded with the schemas of the Kubernetes
 * Java client's protobuf module and written with the JSON names and encodings of the API (times as
 * RFC 3339, int-or-string as either, quantities as strings, raw extensions as the JSON they hold).
 * Zero times, empty strings and a zero generation are left out, as Go's JSON encoder leaves them
 * out of what kubectl would have sent.
 *
 * <p>A body these schemas cannot read whole (a kind they do not hold, a field newer than they are)
 * is refused with a 415 that says so, never stored with fields missing.
 */
final class ProtobufBodies {

  static final String MEDIA_TYPE = "application/vnd.kubernetes.protobuf";

  private static final byte[] MAGIC = {'k', '8', 's', 0};
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String META = "k8s.io.apimachinery.pkg.apis.meta.v1.";
  private static final DateTimeFormatter MICRO_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  /** Schema files by the Java client's outer class name, e.g. {@code V1Rbac}. */
  private static final Map<String, FileDescriptor> FILES = new ConcurrentHashMap<>();

  private ProtobufBodies() {}

  /** A protobuf body the sandbox cannot read; its message says what and what to do instead. */
  static final class UndecodableBody extends Exception {
    UndecodableBody(String message) {
      super(message);
    }
  }

  static boolean isProtobuf(String contentType) {
    return contentType != null && contentType.split(";", 2)[0].trim().equalsIgnoreCase(MEDIA_TYPE);
  }

  /** The object in {@code body} as JSON bytes, apiVersion and kind included. */
  static byte[] toJson(byte[] body) throws UndecodableBody {
    if (body.length < MAGIC.length || !Arrays.equals(Arrays.copyOf(body, MAGIC.length), MAGIC)) {
      throw new UndecodableBody("the body does not start with the Kubernetes protobuf magic");
    }
    Runtime.Unknown envelope;
    try {
      envelope =
          Runtime.Unknown.parseFrom(
              ByteString.copyFrom(body, MAGIC.length, body.length - MAGIC.length));
    } catch (InvalidProtocolBufferException e) {
      throw new UndecodableBody("the protobuf envelope is malformed: " + e.getMessage());
    }
    String apiVersion = envelope.getTypeMeta().getApiVersion();
    String kind = envelope.getTypeMeta().getKind();
    if (!envelope.getContentEncoding().isEmpty()) {
      throw new UndecodableBody("content encoding " + envelope.getContentEncoding());
    }
    Descriptor type = messageType(apiVersion, kind);
    Message object;
    try {
      object = DynamicMessage.parseFrom(type, envelope.getRaw());
    } catch (InvalidProtocolBufferException e) {
      throw new UndecodableBody(apiVersion + " " + kind + " is malformed: " + e.getMessage());
    }
    ObjectNode json = NODES.objectNode();
    json.put("apiVersion", apiVersion);
    json.put("kind", kind);
    json.setAll(message(object, apiVersion + " " + kind));
    try {
      return JSON.writeValueAsBytes(json);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The message type of a kind: group {@code rbac.authorization.k8s.io}, version {@code v1} is the
   * schema file {@code V1Rbac} and its package {@code k8s.io.api.rbac.v1}; the core group is {@code
   * V1} and {@code k8s.io.api.core.v1}.
   */
  private static Descriptor messageType(String apiVersion, String kind) throws UndecodableBody {
    int slash = apiVersion.indexOf('/');
    String group = slash < 0 ? "" : apiVersion.substring(0, slash).split("\\.", 2)[0];
    String version = apiVersion.substring(slash + 1);
    if (version.isEmpty() || kind.isEmpty() || !(version + group).matches("[a-z0-9]+")) {
      throw new UndecodableBody("no apiVersion and kind in the protobuf envelope");
    }
    String outer =
        capitalized(version) + (group.isEmpty() ? "" : capitalized(group.toLowerCase(Locale.ROOT)));
    FileDescriptor file = FILES.computeIfAbsent(outer, ProtobufBodies::schemaFile);
    Descriptor type = file == null ? null : file.findMessageTypeByName(kind);
    if (type == null && version.equals("v1")) {
      // The options every group takes (DeleteOptions with a typed delete, as kubectl drain sends).
      type = Meta.getDescriptor().findMessageTypeByName(kind);
    }
    if (type == null) {
      throw new UndecodableBody("no protobuf schema here for " + apiVersion + " " + kind);
    }
    return type;
  }

  private static FileDescriptor schemaFile(String outer) {
    try {
      Class<?> schema = Class.forName("io.kubernetes.client.proto." + outer);
      return (FileDescriptor) schema.getMethod("getDescriptor").invoke(null);
    } catch (ReflectiveOperationException | LinkageError e) {
      return null;
    }
  }

  private static String capitalized(String word) {
    return Character.toUpperCase(word.charAt(0)) + word.substring(1);
  }

  private static ObjectNode message(Message message, String where) throws UndecodableBody {
    if (!message.getUnknownFields().asMap().isEmpty()) {
      throw new UndecodableBody(
          where
              + " has fields "
              + message.getUnknownFields().asMap().keySet()
              + " that the sandbox's protobuf schema of "
              + message.getDescriptorForType().getName()
              + " does not know");
    }
    ObjectNode json = NODES.objectNode();
    for (Map.Entry<FieldDescriptor, Object> field : message.getAllFields().entrySet()) {
      FieldDescriptor descriptor = field.getKey();
      String name = descriptor.getName();
      String path = where + "." + name;
      JsonNode value;
      if (descriptor.isMapField()) {
        ObjectNode map = NODES.objectNode();
        for (Object entry : (List<?>) field.getValue()) {
          Message pair = (Message) entry;
          FieldDescriptor key = pair.getDescriptorForType().findFieldByName("key");
          FieldDescriptor val = pair.getDescriptorForType().findFieldByName("value");
          JsonNode mapped = value(val, pair.getField(val), path);
          map.set(String.valueOf(pair.getField(key)), mapped == null ? NODES.nullNode() : mapped);
        }
        value = map;
      } else if (descriptor.isRepeated()) {
        ArrayNode array = NODES.arrayNode();
        for (Object item : (List<?>) field.getValue()) {
          JsonNode mapped = value(descriptor, item, path);
          array.add(mapped == null ? NODES.nullNode() : mapped);
        }
        value = array;
      } else {
        value = value(descriptor, field.getValue(), path);
        if (value != null && value.isTextual() && value.asText().isEmpty()) {
          value = null; // Go writes every string field; its JSON leaves the empty ones out.
        }
      }
      if (value != null
          && name.equals("generation")
          && value.asLong() == 0
          && descriptor.getContainingType().getFullName().equals(META + "ObjectMeta")) {
        continue; // Go always writes it; the server sets it.
      }
      if (value instanceof ObjectNode embedded && inline(descriptor)) {
        json.setAll(embedded);
      } else if (value != null) {
        json.set(name, value);
      }
    }
    return json;
  }

  /**
   * Go structs embedded with {@code json:",inline"}: a field of their own in protobuf, their fields
   * among their parent's in JSON (a probe's {@code httpGet}, a volume's {@code configMap}, a key
   * selector's {@code name}).
   */
  private static boolean inline(FieldDescriptor field) {
    String name = field.getName();
    String parent = field.getContainingType().getName();
    return name.equals("localObjectReference")
        || parent.equals("Probe") && name.equals("handler")
        || parent.equals("Volume") && name.equals("volumeSource")
        || parent.equals("PersistentVolumeSpec") && name.equals("persistentVolumeSource")
        || parent.equals("EphemeralContainer") && name.equals("ephemeralContainerCommon");
  }

  /**
   * One value as the API's JSON has it, or null for a zero time or quantity, which Go's JSON leaves
   * out. An empty string stays one: in a map or a list it is a value.
   */
  private static JsonNode value(FieldDescriptor field, Object value, String path)
      throws UndecodableBody {
    return switch (field.getJavaType()) {
      case STRING -> NODES.textNode((String) value);
      case INT -> NODES.numberNode((Integer) value);
      case LONG -> NODES.numberNode((Long) value);
      case FLOAT -> NODES.numberNode((Float) value);
      case DOUBLE -> NODES.numberNode((Double) value);
      case BOOLEAN -> NODES.booleanNode((Boolean) value);
      case BYTE_STRING ->
          NODES.textNode(Base64.getEncoder().encodeToString(((ByteString) value).toByteArray()));
      case ENUM -> NODES.textNode(String.valueOf(value));
      case MESSAGE -> special((Message) value, path);
    };
  }

  /** The types whose JSON is not their message's fields. */
  private static JsonNode special(Message message, String path) throws UndecodableBody {
    String type = message.getDescriptorForType().getFullName();
    switch (type) {
      case META + "Time", META + "MicroTime" -> {
        long seconds = (Long) field(message, "seconds", 0L);
        int nanos = (Integer) field(message, "nanos", 0);
        if (seconds == 0 && nanos == 0) {
          return null; // Go's zero time: null in JSON, left out here.
        }
        Instant instant = Instant.ofEpochSecond(seconds, nanos);
        return NODES.textNode(
            type.endsWith("MicroTime")
                ? MICRO_TIME.format(instant)
                : DateTimeFormatter.ISO_INSTANT.format(
                    instant.truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
      }
      case META + "Duration" -> {
        long nanos = (Long) field(message, "duration", 0L);
        return NODES.textNode(goDuration(nanos));
      }
      case "k8s.io.apimachinery.pkg.util.intstr.IntOrString" -> {
        long kind = ((Number) field(message, "type", 0L)).longValue();
        return kind == 1
            ? NODES.textNode((String) field(message, "strVal", ""))
            : NODES.numberNode((Integer) field(message, "intVal", 0));
      }
      case "k8s.io.apimachinery.pkg.api.resource.Quantity" -> {
        String quantity = (String) field(message, "string", "");
        return quantity.isEmpty() ? null : NODES.textNode(quantity);
      }
      case "k8s.io.apimachinery.pkg.runtime.RawExtension", META + "FieldsV1" -> {
        ByteString raw =
            (ByteString) field(message, type.endsWith("FieldsV1") ? "Raw" : "raw", null);
        if (raw == null || raw.isEmpty()) {
          return null;
        }
        try {
          return JSON.readTree(raw.toByteArray());
        } catch (IOException e) {
          throw new UndecodableBody(path + " does not hold JSON");
        }
      }
      default -> {
        return message(message, path);
      }
    }
  }

  private static Object field(Message message, String name, Object absent) {
    FieldDescriptor field = message.getDescriptorForType().findFieldByName(name);
    return field != null && message.hasField(field) ? message.getField(field) : absent;
  }

  /** A duration as Go's {@code time.Duration.String()} writes it: "1h2m3.5s", "1.5ms", "0s". */
  static String goDuration(long nanos) {
    String sign = nanos < 0 ? "-" : "";
    long n = Math.abs(nanos);
    if (n == 0) {
      return "0s";
    }
    if (n < 1_000) {
      return sign + n + "ns";
    }
    if (n < 1_000_000) {
      return sign + decimal(n, 3) + "\u00b5s";
    }
    if (n < 1_000_000_000) {
      return sign + decimal(n, 6) + "ms";
    }
    long hours = n / 3_600_000_000_000L;
    long minutes = n / 60_000_000_000L % 60;
    StringBuilder out = new StringBuilder(sign);
    if (hours > 0) {
      out.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      out.append(minutes).append('m');
    }
    return out.append(decimal(n % 60_000_000_000L, 9)).append('s').toString();
  }

  private static String decimal(long unscaled, int scale) {
    return BigDecimal.valueOf(unscaled, scale).stripTrailingZeros().toPlainString();
  }
}
