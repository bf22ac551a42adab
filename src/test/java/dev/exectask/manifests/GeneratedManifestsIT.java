package dev.exectask.manifests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Fails when deploy/crds differs from the CRD the build just generated from the Java types, so a
 * change to the API cannot ship with a stale CRD. Runs after {@code package}, which generates it.
 */
class GeneratedManifestsIT {

  private static final Path GENERATED = Manifests.PROJECT.resolve("target/kubernetes");
  private static final Path COMMITTED = Manifests.DEPLOY.resolve("crds");

  @Test
  void committedCrdsAreWhatTheBuildGenerates() throws IOException {
    List<String> generated = crdFileNames(GENERATED);
    assertTrue(
        !generated.isEmpty(),
        "the build generated no CRD into " + GENERATED + "; run `./mvnw package` first");
    assertEquals(
        generated,
        crdFileNames(COMMITTED),
        "deploy/crds holds other CRD files than the build generates; refresh with `"
            + Manifests.REFRESH_COMMAND
            + "`");
    for (String name : generated) {
      List<String> expected = Files.readAllLines(GENERATED.resolve(name));
      List<String> actual = Files.readAllLines(COMMITTED.resolve(name));
      if (!expected.equals(actual)) {
        fail(
            "deploy/crds/"
                + name
                + " differs from the CRD generated from the Java types; refresh it with `"
                + Manifests.REFRESH_COMMAND
                + "` and commit the result.\n--- deploy/crds/"
                + name
                + " (committed)\n+++ target/kubernetes/"
                + name
                + " (generated)\n"
                + LineDiff.between(actual, expected));
      }
    }
  }

  private static List<String> crdFileNames(Path directory) throws IOException {
    if (!Files.isDirectory(directory)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(directory)) {
      // The CRD generator names its files <plural>.<group>-<CRD API version>.yml.
      return files
          .map(file -> file.getFileName().toString())
          .filter(name -> name.matches(".+\\..+-v1(beta1)?\\.yml"))
          .sorted()
          .toList();
    }
  }
}
