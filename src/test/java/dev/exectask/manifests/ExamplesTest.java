package dev.exectask.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.api.v1alpha1.SpecValidator;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The YAML the README shows parses into the API types (a misspelt spec field fails to parse) and
 * passes validation.
 */
class ExamplesTest {

  static Stream<Path> examples() throws IOException {
    try (Stream<Path> files = Files.list(Manifests.EXAMPLES)) {
      return files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("examples")
  void parsesAsItsKindAndIsValid(Path file) throws IOException {
    String yaml = Manifests.read(file);
    String kind =
        Manifests.SERIALIZATION.unmarshal(yaml, GenericKubernetesResource.class).getKind();
    switch (kind) {
      case "ExecTask" -> {
        ExecTask task = Manifests.SERIALIZATION.unmarshal(yaml, ExecTask.class);
        assertEquals(ExecTask.GROUP + "/" + ExecTask.VERSION, task.getApiVersion());
        assertNotNull(task.getMetadata().getName(), "name");
        assertEquals(List.of(), SpecValidator.validate(task.getSpec()), file + " is valid");
      }
      case "Pod" -> {
        Pod pod = Manifests.SERIALIZATION.unmarshal(yaml, Pod.class);
        assertEquals("v1", pod.getApiVersion());
        assertTrue(pod.getSpec().getContainers().size() >= 1, "a pod has a container");
      }
      default -> throw new AssertionError(file + " is a " + kind + ", not an ExecTask or a Pod");
    }
  }

  @Test
  void theReadmeExamplesAreThere() throws IOException {
    assertEquals(
        List.of("abort.yaml", "hello.yaml", "pod.yaml", "selector.yaml", "timeout.yaml"),
        examples().map(f -> f.getFileName().toString()).toList());
  }

  @Test
  void tasksRunInTheExamplePod() throws IOException {
    Pod pod =
        Manifests.SERIALIZATION.unmarshal(
            Manifests.read(Manifests.EXAMPLES.resolve("pod.yaml")), Pod.class);
    Map<String, String> labels = pod.getMetadata().getLabels();
    for (Path file : examples().filter(f -> !f.endsWith("pod.yaml")).toList()) {
      ExecTaskSpec spec =
          Manifests.SERIALIZATION.unmarshal(Manifests.read(file), ExecTask.class).getSpec();
      if (spec.getPodName() != null) {
        assertEquals(pod.getMetadata().getName(), spec.getPodName(), file.toString());
      } else {
        assertTrue(
            labels.entrySet().containsAll(spec.getPodSelector().getMatchLabels().entrySet()),
            file + " selects the example pod");
      }
      if (spec.getContainer() != null) {
        assertEquals(
            pod.getSpec().getContainers().get(0).getName(), spec.getContainer(), file.toString());
      }
    }
  }

  @Test
  void timeoutExampleTimesOutAfterFiveSeconds() {
    ExecTaskSpec spec =
        Manifests.SERIALIZATION
            .unmarshal(Manifests.read(Manifests.EXAMPLES.resolve("timeout.yaml")), ExecTask.class)
            .getSpec();
    assertEquals(5L, spec.effectiveTimeoutSeconds());
  }
}
