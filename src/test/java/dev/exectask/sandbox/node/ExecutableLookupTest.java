package dev.exectask.sandbox.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExecutableLookupTest {
  private Path root;

  @BeforeAll
  void layOutAContainer(@TempDir Path dir) throws IOException {
    root = dir;
    Files.createDirectories(root.resolve("usr/bin"));
    Files.createDirectories(root.resolve("app/tools"));
    for (String file : Set.of("usr/bin/tool", "usr/bin/sh", "app/tools/run")) {
      Files.writeString(root.resolve(file), "#!/bin/true\n");
      Files.setPosixFilePermissions(
          root.resolve(file), PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    Files.writeString(root.resolve("usr/bin/notes"), "not a program\n");
    Files.setPosixFilePermissions(
        root.resolve("usr/bin/notes"), PosixFilePermissions.fromString("rw-r--r--"));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "tool|",
        "/usr/bin/tool|",
        "tools/run|",
        "./tools/run|",
        "sh|exec: \"sh\": executable file not found in $PATH",
        "/usr/bin/sh|exec: \"/usr/bin/sh\": stat /usr/bin/sh: no such file or directory",
        "nope|exec: \"nope\": executable file not found in $PATH",
        "/no/such|exec: \"/no/such\": stat /no/such: no such file or directory",
        "./nope|exec: \"./nope\": stat ./nope: no such file or directory",
        "/usr/bin|exec: \"/usr/bin\": is a directory",
        "/usr/bin/notes|exec: \"/usr/bin/notes\": permission denied",
        "notes|exec: \"notes\": executable file not found in $PATH",
        "'a \"b\"'|exec: \"a \\\"b\\\"\": executable file not found in $PATH",
      })
  void findsCommandsAsRuncDoes(String file, String problem) {
    Optional<String> found =
        ExecutableLookup.problem(root, file, "/usr/local/bin:/usr/bin", "/app", Set.of("sh"));

    assertEquals(Optional.ofNullable(problem), found);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/app|",
        "/missing|chdir to cwd (\"/missing\") set in config.json failed: no such file or directory"
      })
  void checksTheWorkingDirectory(String dir, String problem) {
    assertEquals(Optional.ofNullable(problem), ExecutableLookup.workingDirProblem(root, dir));
  }
}
