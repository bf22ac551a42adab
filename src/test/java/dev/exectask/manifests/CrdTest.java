package dev.exectask.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exectask.api.v1alpha1.EnvVar;
import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.Phase;
import dev.exectask.api.v1alpha1.SpecValidator;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceColumnDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionVersion;
import io.fabric8.kubernetes.api.model.apiextensions.v1.JSONSchemaProps;
import io.fabric8.kubernetes.api.model.apiextensions.v1.ValidationRule;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The committed CRD says what the API contract says: what kubectl and the API server enforce. */
class CrdTest {

  private static CustomResourceDefinition crd;
  private static CustomResourceDefinitionVersion version;
  private static JSONSchemaProps spec;
  private static JSONSchemaProps status;

  @BeforeAll
  static void loadCommittedCrd() {
    crd = Manifests.crd();
    assertEquals(1, crd.getSpec().getVersions().size(), "one served version");
    version = crd.getSpec().getVersions().get(0);
    Map<String, JSONSchemaProps> root = version.getSchema().getOpenAPIV3Schema().getProperties();
    spec = root.get("spec");
    status = root.get("status");
  }

  @Test
  void namesTheResourceAsTheContractDoes() {
    assertEquals("exectasks.exectask.dev", crd.getMetadata().getName());
    assertEquals(ExecTask.GROUP, crd.getSpec().getGroup());
    assertEquals("Namespaced", crd.getSpec().getScope());
    assertEquals("ExecTask", crd.getSpec().getNames().getKind());
    assertEquals("exectasks", crd.getSpec().getNames().getPlural());
    assertEquals(List.of("et"), crd.getSpec().getNames().getShortNames());
    assertEquals(ExecTask.VERSION, version.getName());
    assertTrue(version.getServed() && version.getStorage(), "v1alpha1 is served and stored");
  }

  @Test
  void hasAStatusSubresource() {
    assertNotNull(version.getSubresources(), "subresources");
    assertNotNull(version.getSubresources().getStatus(), "status subresource");
  }

  @Test
  void kubectlGetShowsPodPhaseExitDurationAgeInThatOrder() {
    List<String> columns =
        version.getAdditionalPrinterColumns().stream()
            .map(CustomResourceColumnDefinition::getName)
            .map(String::toUpperCase)
            .toList();
    assertEquals(List.of("POD", "PHASE", "EXIT", "DURATION", "AGE"), columns);
    assertEquals(
        List.of(
            ".status.podName",
            ".status.phase",
            ".status.exitCode",
            ".status.duration",
            ".metadata.creationTimestamp"),
        version.getAdditionalPrinterColumns().stream()
            .map(CustomResourceColumnDefinition::getJsonPath)
            .toList());
  }

  @Test
  void specHasTheCelRules() {
    Map<String, String> rules =
        spec.getXKubernetesValidations().stream()
            .collect(Collectors.toMap(ValidationRule::getRule, ValidationRule::getMessage));
    assertEquals(
        Map.of(
            "has(self.podName) != has(self.podSelector)",
            "exactly one of podName or podSelector must be set",
            "self == oldSelf",
            "spec is immutable"),
        rules);
  }

  @Test
  void commandIsRequiredWithOneTo256Items() {
    assertEquals(List.of("command"), spec.getRequired());
    JSONSchemaProps command = spec.getProperties().get("command");
    assertEquals(1L, command.getMinItems());
    assertEquals(256L, command.getMaxItems());
    assertEquals("string", command.getItems().getSchema().getType());
  }

  @Test
  void stdinIsAtMost256KiB() {
    assertEquals(262144L, spec.getProperties().get("stdin").getMaxLength());
  }

  static Stream<Arguments> bounds() {
    return Stream.of(
        Arguments.of("timeoutSeconds", 1, 3600L),
        Arguments.of("startTimeoutSeconds", 0, 60L),
        Arguments.of("terminationGracePeriodSeconds", 0, 10L),
        Arguments.of("ttlSecondsAfterFinished", 0, null));
  }

  @ParameterizedTest(name = "{0}: minimum {1}, default {2}")
  @MethodSource("bounds")
  void durationsHaveTheirMinimumAndDefault(String field, int minimum, Long defaultValue) {
    JSONSchemaProps property = spec.getProperties().get(field);
    assertEquals("integer", property.getType(), field + " type");
    assertEquals(minimum, property.getMinimum().intValue(), field + " minimum");
    if (defaultValue == null) {
      assertEquals(null, property.getDefault(), field + " has no default");
    } else {
      assertEquals(defaultValue, property.getDefault().asLong(), field + " default");
    }
  }

  static Stream<Arguments> names() {
    return Stream.of(
        Arguments.of("podName", 253L, SpecValidator.DNS_SUBDOMAIN_PATTERN),
        Arguments.of("container", 63L, SpecValidator.DNS_LABEL_PATTERN));
  }

  /** The API server rejects the same names that SpecValidator rejects. */
  @ParameterizedTest(name = "{0}")
  @MethodSource("names")
  void namesAreCheckedAsSpecValidatorChecksThem(String field, long maxLength, String pattern) {
    JSONSchemaProps property = spec.getProperties().get(field);
    assertEquals(1L, property.getMinLength(), field + " minLength");
    assertEquals(maxLength, property.getMaxLength(), field + " maxLength");
    assertEquals(pattern, property.getPattern(), field + " pattern");
  }

  @Test
  void envNamesAreCheckedAsSpecValidatorChecksThem() {
    JSONSchemaProps env = spec.getProperties().get("env");
    assertEquals(256L, env.getMaxItems());
    JSONSchemaProps name = env.getItems().getSchema().getProperties().get("name");
    assertEquals(EnvVar.NAME_PATTERN, name.getPattern());
    assertEquals(List.of("name"), env.getItems().getSchema().getRequired());
  }

  @Test
  void phaseIsOneOfThePhases() {
    List<String> phases =
        status.getProperties().get("phase").getEnum().stream()
            .map(n -> n.asText())
            .sorted()
            .toList();
    assertEquals(Arrays.stream(Phase.values()).map(Enum::name).sorted().toList(), phases);
  }

  @Test
  void conditionsAreMetav1Conditions() {
    JSONSchemaProps condition = status.getProperties().get("conditions").getItems().getSchema();
    assertEquals(
        List.of("lastTransitionTime", "message", "observedGeneration", "reason", "status", "type"),
        condition.getProperties().keySet().stream().sorted().toList());
  }

  @Test
  void everySpecAndStatusPropertyHasADescription() {
    List<String> undocumented = new ArrayList<>();
    collectUndocumented("spec", spec, undocumented);
    collectUndocumented("status", status, undocumented);
    collectUndocumented(
        "spec.env[]", spec.getProperties().get("env").getItems().getSchema(), undocumented);
    assertEquals(List.of(), undocumented, "kubectl explain would show nothing for these");
    assertTrue(spec.getProperties().size() >= 11 && status.getProperties().size() >= 17);
  }

  private static void collectUndocumented(String path, JSONSchemaProps object, List<String> into) {
    object
        .getProperties()
        .forEach(
            (name, property) -> {
              if (property.getDescription() == null || property.getDescription().isBlank()) {
                into.add(path + "." + name);
              }
            });
  }
}
