package dev.exectask.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.exectask.api.v1alpha1.ExecTask;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The committed files of deploy/ and examples/, read the way {@code kubectl apply} reads them, so
 * that what the tests check is what ships.
 */
public final class Manifests {

  public static final Path PROJECT = Path.of("").toAbsolutePath();
  public static final Path DEPLOY = PROJECT.resolve("deploy");
  public static final Path EXAMPLES = PROJECT.resolve("examples");
  public static final Path CRD_FILE = DEPLOY.resolve("crds/exectasks.exectask.dev-v1.yml");

  /** The one command that rewrites everything in deploy/ that is generated from the code. */
  public static final String REFRESH_COMMAND = "./mvnw -Pmanifests package";

  public static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  static {
    SERIALIZATION.registerKubernetesResource(ExecTask.class);
  }

  private static final Pattern DOCUMENT_SEPARATOR = Pattern.compile("(?m)^---\\s*$");

  private Manifests() {}

  public static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every object of a (possibly multi-document) YAML file, typed by its apiVersion and kind. */
  public static List<HasMetadata> objects(Path file) {
    return parseDocuments(read(file));
  }

  public static List<HasMetadata> parseDocuments(String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    for (String document : DOCUMENT_SEPARATOR.split(yaml)) {
      if (!document.lines().allMatch(line -> line.isBlank() || line.startsWith("#"))) {
        objects.add(SERIALIZATION.unmarshal(document, HasMetadata.class));
      }
    }
    return objects;
  }

  public static CustomResourceDefinition crd() {
    return SERIALIZATION.unmarshal(read(CRD_FILE), CustomResourceDefinition.class);
  }

  /**
   * What {@code kubectl apply -k deploy/} installs, read from the files kustomization.yaml lists.
   */
  public static List<HasMetadata> installation() {
    List<HasMetadata> objects = new ArrayList<>();
    for (String resource : kustomizationResources()) {
      objects.addAll(objects(DEPLOY.resolve(resource)));
    }
    return objects;
  }

  @SuppressWarnings("unchecked")
  public static List<String> kustomizationResources() {
    Map<String, Object> kustomization =
        SERIALIZATION.unmarshal(read(DEPLOY.resolve("kustomization.yaml")), Map.class);
    return (List<String>) kustomization.get("resources");
  }

  /** Renders deploy/ with kubectl's built-in kustomize; skips the test where kubectl is missing. */
  public static List<HasMetadata> kustomize() throws IOException, InterruptedException {
    assumeTrue(onPath("kubectl"), "kubectl is not on PATH, so deploy/ cannot be rendered here");
    Process kubectl =
        new ProcessBuilder("kubectl", "kustomize", DEPLOY.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String rendered = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(true, kubectl.waitFor(1, TimeUnit.MINUTES), "kubectl kustomize did not finish");
    assertEquals(0, kubectl.exitValue(), "kubectl kustomize deploy/ failed");
    return parseDocuments(rendered);
  }

  static boolean onPath(String program) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, program)));
  }

  /** Finds the one object of a kind and name, failing with what there is otherwise. */
  public static <T extends HasMetadata> T find(
      List<HasMetadata> objects, Class<T> type, String name) {
    List<T> matches =
        objects.stream()
            .filter(type::isInstance)
            .map(type::cast)
            .filter(o -> name.equals(o.getMetadata().getName()))
            .toList();
    assertEquals(
        1,
        matches.size(),
        () ->
            "expected one " + type.getSimpleName() + " named " + name + " in " + describe(objects));
    return matches.get(0);
  }

  public static List<String> describe(List<HasMetadata> objects) {
    return objects.stream().map(o -> o.getKind() + "/" + o.getMetadata().getName()).toList();
  }
}
