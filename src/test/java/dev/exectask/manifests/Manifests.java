package dev.exectask.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.exectask.api.v1alpha1.ExecTask;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.zjsonpatch.JsonPatch;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

  /** What {@code kubectl apply -k deploy/} installs: the cluster-wide install. */
  public static List<HasMetadata> installation() {
    return render(DEPLOY);
  }

  /** The namespaced install, {@code kubectl apply -k deploy/overlays/namespaced}. */
  public static final Path NAMESPACED = DEPLOY.resolve("overlays/namespaced");

  /**
   * Renders a kustomization the way kustomize does, for the part of kustomize that deploy/ uses:
   * resources (files, or directories holding a kustomization) and patches on a target kind and
   * name, either JSON 6902 operations or a {@code $patch: delete}. Anything else fails, so that a
   * kustomization using more is not silently misread. Kept because kubectl is not always there;
   * where it is, a test checks that both render the same objects.
   */
  @SuppressWarnings("unchecked")
  public static List<HasMetadata> render(Path directory) {
    Map<String, Object> kustomization = kustomization(directory);
    Set<String> understood = Set.of("apiVersion", "kind", "resources", "patches");
    assertEquals(
        Set.of(),
        kustomization.keySet().stream()
            .filter(k -> !understood.contains(k))
            .collect(java.util.stream.Collectors.toSet()),
        "fields of " + directory + "/kustomization.yaml that the tests cannot render");
    List<HasMetadata> objects = new ArrayList<>();
    for (String resource : (List<String>) kustomization.get("resources")) {
      Path path = directory.resolve(resource).normalize();
      objects.addAll(Files.isDirectory(path) ? render(path) : objects(path));
    }
    List<Map<String, Object>> patches =
        (List<Map<String, Object>>) kustomization.getOrDefault("patches", List.of());
    for (Map<String, Object> patch : patches) {
      Map<String, String> target = (Map<String, String>) patch.get("target");
      JsonNode operations = SERIALIZATION.unmarshal((String) patch.get("patch"), JsonNode.class);
      boolean matched = false;
      for (int i = 0; i < objects.size(); i++) {
        HasMetadata object = objects.get(i);
        if (!object.getKind().equals(target.get("kind"))
            || !object.getMetadata().getName().equals(target.get("name"))) {
          continue;
        }
        matched = true;
        if (operations.isArray()) {
          JsonNode patched =
              JsonPatch.apply(operations, SERIALIZATION.convertValue(object, JsonNode.class));
          objects.set(i, SERIALIZATION.unmarshal(SERIALIZATION.asJson(patched), HasMetadata.class));
        } else if ("delete".equals(operations.path("$patch").asText())) {
          objects.remove(i--);
        } else {
          throw new AssertionError("a patch the tests cannot apply: " + patch);
        }
      }
      assertEquals(true, matched, () -> "patch target " + target + " matches nothing");
    }
    return objects;
  }

  /** Every file a kustomization reads objects from, through its directories too. */
  @SuppressWarnings("unchecked")
  public static List<Path> resourceFiles(Path directory) {
    List<Path> files = new ArrayList<>();
    for (String resource : (List<String>) kustomization(directory).get("resources")) {
      Path path = directory.resolve(resource).normalize();
      if (Files.isDirectory(path)) {
        files.addAll(resourceFiles(path));
      } else {
        files.add(path);
      }
    }
    return files;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> kustomization(Path directory) {
    return SERIALIZATION.unmarshal(read(directory.resolve("kustomization.yaml")), Map.class);
  }

  /** Renders deploy/ with kubectl's built-in kustomize; skips the test where kubectl is missing. */
  public static List<HasMetadata> kustomize() throws IOException, InterruptedException {
    return kustomize(DEPLOY);
  }

  /** Renders a kustomization with kubectl; skips the test where kubectl is missing. */
  public static List<HasMetadata> kustomize(Path directory)
      throws IOException, InterruptedException {
    assumeTrue(onPath("kubectl"), "kubectl is not on PATH, so deploy/ cannot be rendered here");
    assumeTrue(
        kustomizeMajorVersion() >= 4,
        "kubectl's built-in kustomize is older than v4 (no `patches` with targets)");
    Process kubectl =
        new ProcessBuilder("kubectl", "kustomize", directory.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    String rendered = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(true, kubectl.waitFor(1, TimeUnit.MINUTES), "kubectl kustomize did not finish");
    assertEquals(0, kubectl.exitValue(), "kubectl kustomize " + directory + " failed");
    return parseDocuments(rendered);
  }

  /** The major version of kubectl's built-in kustomize; 0 where kubectl does not say. */
  @SuppressWarnings("unchecked")
  static int kustomizeMajorVersion() throws IOException, InterruptedException {
    Process kubectl =
        new ProcessBuilder("kubectl", "version", "--client", "-o", "json")
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    String json = new String(kubectl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!kubectl.waitFor(1, TimeUnit.MINUTES) || kubectl.exitValue() != 0) {
      return 0;
    }
    Object version = SERIALIZATION.unmarshal(json, Map.class).get("kustomizeVersion");
    java.util.regex.Matcher major =
        Pattern.compile("^v?(\\d+)").matcher(version == null ? "" : version.toString());
    return major.find() ? Integer.parseInt(major.group(1)) : 0;
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
