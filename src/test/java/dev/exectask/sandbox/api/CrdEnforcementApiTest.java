package dev.exectask.sandbox.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.testing.TestApiServer;
import dev.exectask.testing.TestNamespace;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.api.model.StatusCause;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A client of the sandbox's API sees the committed CRD enforced as on a cluster. */
class CrdEnforcementApiTest {

  @RegisterExtension static final TestApiServer api = new TestApiServer();
  @RegisterExtension final TestNamespace ns = new TestNamespace(api::client);

  private GenericKubernetesResource task(String name, Map<String, Object> spec) {
    GenericKubernetesResource task = new GenericKubernetesResource();
    task.setApiVersion("exectask.dev/v1alpha1");
    task.setKind("ExecTask");
    task.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMeta());
    task.getMetadata().setName(name);
    task.getMetadata().setNamespace(ns.name());
    task.setAdditionalProperty("spec", spec);
    return task;
  }

  private GenericKubernetesResource stored(String name) {
    return api.client()
        .genericKubernetesResources("exectask.dev/v1alpha1", "ExecTask")
        .inNamespace(ns.name())
        .withName(name)
        .get();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> spec(GenericKubernetesResource task) {
    return (Map<String, Object>) task.getAdditionalProperties().get("spec");
  }

  @Test
  void aCreatedTaskReadsBackWithTheCrdsDefaults() {
    api.client()
        .resource(task("plain", Map.of("podName", "web", "command", List.of("true"))))
        .create();

    Map<String, Object> spec = spec(stored("plain"));

    assertThat(spec)
        .containsEntry("timeoutSeconds", 3600)
        .containsEntry("startTimeoutSeconds", 60)
        .containsEntry("terminationGracePeriodSeconds", 10)
        .doesNotContainKey("ttlSecondsAfterFinished");
  }

  @Test
  void anInvalidCreateIsRefusedWithAnInvalidStatus() {
    KubernetesClientException refused =
        catchThrowableOfType(
            KubernetesClientException.class,
            () ->
                api.client()
                    .resource(
                        task(
                            "bad",
                            Map.of(
                                "podName",
                                "web",
                                "podSelector",
                                Map.of("matchLabels", Map.of("app", "web")),
                                "command",
                                List.of(),
                                "timeoutSeconds",
                                0)))
                    .create());

    assertThat(refused.getCode()).isEqualTo(422);
    Status status = refused.getStatus();
    assertThat(status.getReason()).isEqualTo("Invalid");
    assertThat(status.getMessage())
        .isEqualTo(
            "ExecTask.exectask.dev \"bad\" is invalid: [spec.command: Invalid value: 0:"
                + " spec.command in body should have at least 1 items, spec.timeoutSeconds:"
                + " Invalid value: 0: spec.timeoutSeconds in body should be greater than or equal"
                + " to 1, spec: Invalid value: \"object\": exactly one of podName or podSelector"
                + " must be set]");
    assertThat(status.getDetails().getName()).isEqualTo("bad");
    assertThat(status.getDetails().getGroup()).isEqualTo("exectask.dev");
    assertThat(status.getDetails().getKind()).isEqualTo("ExecTask");
    assertThat(status.getDetails().getCauses())
        .extracting(StatusCause::getField, StatusCause::getReason)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("spec.command", "FieldValueInvalid"),
            org.assertj.core.groups.Tuple.tuple("spec.timeoutSeconds", "FieldValueInvalid"),
            org.assertj.core.groups.Tuple.tuple("spec", "FieldValueInvalid"));
    assertThat(stored("bad")).isNull();
  }

  @Test
  void aPatchIsJudgedOnTheObjectItMakes() {
    api.client()
        .resource(task("patched", Map.of("podName", "web", "command", List.of("true"))))
        .create();
    var resource =
        api.client().resources(ExecTask.class).inNamespace(ns.name()).withName("patched");

    KubernetesClientException merge =
        catchThrowableOfType(
            KubernetesClientException.class,
            () ->
                resource.patch(
                    PatchContext.of(PatchType.JSON_MERGE), "{\"spec\":{\"podName\":null}}"));
    KubernetesClientException json =
        catchThrowableOfType(
            KubernetesClientException.class,
            () ->
                resource.patch(
                    PatchContext.of(PatchType.JSON),
                    "[{\"op\":\"add\",\"path\":\"/spec/podSelector\",\"value\":{}}]"));

    assertThat(merge.getCode()).isEqualTo(422);
    assertThat(merge.getStatus().getMessage())
        .isEqualTo(
            "ExecTask.exectask.dev \"patched\" is invalid: [spec: Invalid value: \"object\":"
                + " exactly one of podName or podSelector must be set, spec: Invalid value:"
                + " \"object\": spec is immutable]");
    assertThat(json.getStatus().getMessage()).contains("spec is immutable");
    resource.edit(
        t -> {
          t.getMetadata().setLabels(Map.of("seen", "yes"));
          return t;
        });
    assertThat(stored("patched").getMetadata().getLabels()).containsEntry("seen", "yes");
  }

  @Test
  void aStatusWriteIsCheckedAgainstTheStatusSchema() {
    api.client()
        .resource(task("status", Map.of("podName", "web", "command", List.of("true"))))
        .create();
    var resource = api.client().resources(ExecTask.class).inNamespace(ns.name()).withName("status");

    KubernetesClientException refused =
        catchThrowableOfType(
            KubernetesClientException.class,
            () ->
                resource
                    .subresource("status")
                    .patch(
                        PatchContext.of(PatchType.JSON_MERGE),
                        "{\"status\":{\"phase\":\"Done\"}}"));

    assertThat(refused.getCode()).isEqualTo(422);
    assertThat(refused.getStatus().getMessage())
        .isEqualTo(
            "ExecTask.exectask.dev \"status\" is invalid: [status.phase: Unsupported value:"
                + " \"Done\": supported values: \"Failed\", \"Pending\", \"Running\","
                + " \"Succeeded\", \"TimedOut\", <nil>: Invalid value: \"null\": some validation"
                + " rules were not checked because the object was invalid; correct the existing"
                + " errors to complete validation]");
    resource
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), "{\"status\":{\"phase\":\"Running\"}}");
    assertThat(resource.get().getStatus().getPhase().toString()).isEqualTo("Running");
  }

  @Test
  void unknownFieldsArePrunedWithAWarningHeader() throws Exception {
    String body =
        Serialization.asJson(
            task("typo", Map.of("podName", "web", "command", List.of("true"), "timeout", 5)));
    HttpResponse<String> response =
        HttpClient.newBuilder()
            .sslContext(api.server().certificates().clientContext())
            .build()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            api.server().url()
                                + "/apis/exectask.dev/v1alpha1/namespaces/"
                                + ns.name()
                                + "/exectasks"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .build(),
                HttpResponse.BodyHandlers.ofString());

    assertThat(response.statusCode()).isEqualTo(201);
    assertThat(response.headers().allValues("Warning"))
        .containsExactly("299 - \"unknown field \\\"spec.timeout\\\"\"");
    assertThat(spec(stored("typo"))).doesNotContainKey("timeout");
  }
}
