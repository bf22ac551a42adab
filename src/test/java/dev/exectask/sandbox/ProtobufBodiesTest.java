package dev.exectask.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import com.google.protobuf.MessageLite;
import com.google.protobuf.UnknownFieldSet;
import io.kubernetes.client.proto.IntStr;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Resource;
import io.kubernetes.client.proto.Runtime;
import io.kubernetes.client.proto.V1;
import io.kubernetes.client.proto.V1Apps;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Protobuf bodies, as kubectl's typed commands send them, read as the API's JSON. */
class ProtobufBodiesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aNamespaceReadsAsItsJsonWithoutGosZeroValues() throws Exception {
    V1.Namespace namespace =
        V1.Namespace.newBuilder()
            .setMetadata(
                Meta.ObjectMeta.newBuilder()
                    .setName("team-a")
                    .setNamespace("")
                    .setGeneration(0)
                    .setCreationTimestamp(Meta.Time.newBuilder().setSeconds(0))
                    .putLabels("tier", "dev")
                    .putLabels("flag", ""))
            .setSpec(V1.NamespaceSpec.newBuilder())
            .build();

    JsonNode json = read(body("v1", "Namespace", namespace));

    assertThat(json.get("apiVersion").asText()).isEqualTo("v1");
    assertThat(json.get("kind").asText()).isEqualTo("Namespace");
    assertThat(json.at("/metadata/name").asText()).isEqualTo("team-a");
    assertThat(json.at("/metadata/labels/tier").asText()).isEqualTo("dev");
    assertThat(json.at("/metadata/labels/flag").isTextual()).as("an empty label value").isTrue();
    assertThat(json.at("/metadata/labels/flag").asText()).isEmpty();
    assertThat(json.get("metadata").has("namespace")).as("empty string left out").isFalse();
    assertThat(json.get("metadata").has("creationTimestamp")).as("zero time left out").isFalse();
    assertThat(json.get("metadata").has("generation")).as("the server's to set").isFalse();
    assertThat(json.get("spec").isObject()).isTrue();
  }

  @Test
  void aDeploymentKeepsItsNumbersQuantitiesIntOrStringsAndTimes() throws Exception {
    V1.Container container =
        V1.Container.newBuilder()
            .setName("web")
            .setImage("busybox")
            .addArgs("")
            .addArgs("x")
            .setResources(
                V1.ResourceRequirements.newBuilder()
                    .putLimits("memory", Resource.Quantity.newBuilder().setString("64Mi").build()))
            .setLivenessProbe(
                V1.Probe.newBuilder()
                    .setHandler(
                        V1.ProbeHandler.newBuilder()
                            .setHttpGet(
                                V1.HTTPGetAction.newBuilder()
                                    .setPort(
                                        IntStr.IntOrString.newBuilder()
                                            .setType(1)
                                            .setStrVal("http")))))
            .addPorts(V1.ContainerPort.newBuilder().setContainerPort(8080))
            .build();
    V1Apps.Deployment deployment =
        V1Apps.Deployment.newBuilder()
            .setMetadata(
                Meta.ObjectMeta.newBuilder()
                    .setName("web")
                    .setCreationTimestamp(Meta.Time.newBuilder().setSeconds(1_700_000_000L)))
            .setSpec(
                V1Apps.DeploymentSpec.newBuilder()
                    .setReplicas(0)
                    .setTemplate(
                        V1.PodTemplateSpec.newBuilder()
                            .setSpec(V1.PodSpec.newBuilder().addContainers(container))))
            .build();

    JsonNode json = read(body("apps/v1", "Deployment", deployment));

    assertThat(json.get("apiVersion").asText()).isEqualTo("apps/v1");
    assertThat(json.at("/metadata/creationTimestamp").asText()).isEqualTo("2023-11-14T22:13:20Z");
    assertThat(json.at("/spec/replicas").isInt()).as("a zero that was sent stays").isTrue();
    JsonNode web = json.at("/spec/template/spec/containers/0");
    assertThat(web.get("image").asText()).isEqualTo("busybox");
    assertThat(web.get("args").toString()).as("an empty argument kept").isEqualTo("[\"\",\"x\"]");
    assertThat(web.at("/resources/limits/memory").asText()).isEqualTo("64Mi");
    assertThat(web.at("/ports/0/containerPort").asInt()).isEqualTo(8080);
    assertThat(web.at("/livenessProbe/httpGet/port").isTextual())
        .as("the probe's handler is inline in JSON")
        .isTrue();
    assertThat(web.at("/livenessProbe/httpGet/port").asText()).isEqualTo("http");
  }

  @Test
  void aSecretsBytesAreBase64AsInJson() throws Exception {
    V1.Secret secret =
        V1.Secret.newBuilder()
            .setMetadata(Meta.ObjectMeta.newBuilder().setName("s"))
            .putData("password", ByteString.copyFromUtf8("hunter2"))
            .setType("Opaque")
            .build();

    JsonNode json = read(body("v1", "Secret", secret));

    assertThat(json.at("/data/password").asText()).isEqualTo("aHVudGVyMg==");
    assertThat(json.get("type").asText()).isEqualTo("Opaque");
  }

  @Test
  void theDeleteOptionsOfATypedDeleteAreRead() throws Exception {
    Meta.DeleteOptions options =
        Meta.DeleteOptions.newBuilder()
            .setGracePeriodSeconds(0)
            .setPropagationPolicy("Background")
            .build();

    JsonNode json = read(body("v1", "DeleteOptions", options));

    assertThat(json.get("kind").asText()).isEqualTo("DeleteOptions");
    assertThat(json.get("gracePeriodSeconds").isIntegralNumber()).isTrue();
    assertThat(json.get("gracePeriodSeconds").asLong()).isZero();
    assertThat(json.get("propagationPolicy").asText()).isEqualTo("Background");
  }

  @Test
  void aFieldTheSchemaDoesNotKnowIsRefusedNotDropped() {
    V1.Namespace namespace =
        V1.Namespace.newBuilder()
            .setMetadata(Meta.ObjectMeta.newBuilder().setName("n"))
            .setSpec(
                V1.NamespaceSpec.newBuilder()
                    .setUnknownFields(
                        UnknownFieldSet.newBuilder()
                            .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
                            .build()))
            .build();

    assertThatThrownBy(() -> ProtobufBodies.toJson(body("v1", "Namespace", namespace)))
        .isInstanceOf(ProtobufBodies.UndecodableBody.class)
        .hasMessageContaining("v1 Namespace.spec has fields [99]")
        .hasMessageContaining("NamespaceSpec");
  }

  @Test
  void aKindWithoutASchemaOrAMalformedBodyIsRefusedWithWhy() {
    assertThatThrownBy(
            () ->
                ProtobufBodies.toJson(
                    body("coordination.k8s.io/v1", "Lease", Meta.ObjectMeta.getDefaultInstance())))
        .isInstanceOf(ProtobufBodies.UndecodableBody.class)
        .hasMessage("no protobuf schema here for coordination.k8s.io/v1 Lease");
    assertThatThrownBy(() -> ProtobufBodies.toJson("{\"kind\":\"Namespace\"}".getBytes()))
        .isInstanceOf(ProtobufBodies.UndecodableBody.class)
        .hasMessageContaining("magic");
  }

  @Test
  void durationsAreWrittenAsGoWritesThem() {
    assertThat(ProtobufBodies.goDuration(0)).isEqualTo("0s");
    assertThat(ProtobufBodies.goDuration(1_500_000)).isEqualTo("1.5ms");
    assertThat(ProtobufBodies.goDuration(90_000_000_000L)).isEqualTo("1m30s");
    assertThat(ProtobufBodies.goDuration(3_723_500_000_000L)).isEqualTo("1h2m3.5s");
  }

  @Test
  void onlyTheProtobufMediaTypeIsTranscoded() {
    assertThat(ProtobufBodies.isProtobuf("application/vnd.kubernetes.protobuf")).isTrue();
    assertThat(ProtobufBodies.isProtobuf("application/vnd.kubernetes.protobuf; charset=x"))
        .isTrue();
    assertThat(ProtobufBodies.isProtobuf("application/json")).isFalse();
    assertThat(ProtobufBodies.isProtobuf(null)).isFalse();
  }

  /** The body kubectl sends: the magic, then the envelope with the type and the message. */
  private static byte[] body(String apiVersion, String kind, MessageLite object) {
    Runtime.Unknown envelope =
        Runtime.Unknown.newBuilder()
            .setTypeMeta(Runtime.TypeMeta.newBuilder().setApiVersion(apiVersion).setKind(kind))
            .setRaw(object.toByteString())
            .build();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {'k', '8', 's', 0});
    out.writeBytes(envelope.toByteArray());
    return out.toByteArray();
  }

  private static JsonNode read(byte[] body) throws ProtobufBodies.UndecodableBody, IOException {
    return JSON.readTree(ProtobufBodies.toJson(body));
  }
}
