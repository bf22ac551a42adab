package dev.exectask.sandbox.node;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Collection;
import java.util.Locale;
import java.util.Optional;

/**
 * Looks up a command's argv[0] inside a container the way runc does before it starts a process
 * (Go's exec.LookPath), and words a miss as runc does, so the sandbox fails where a cluster fails
 * and says the same thing.
 */
final class ExecutableLookup {
  private ExecutableLookup() {}

  /**
   * Why {@code file} cannot be started, e.g. {@code exec: "sh": executable file not found in
   * $PATH}, or empty when it can.
   *
   * @param root the container's root as seen from the host, e.g. /proc/PID/root
   * @param path the container's PATH
   * @param workingDir the directory a relative name is resolved against
   * @param missing names the container does not have, whatever the host has
   */
  static Optional<String> problem(
      Path root, String file, String path, String workingDir, Collection<String> missing) {
    if (file.isEmpty()) {
      return Optional.of("exec: " + quote(file) + ": executable file not found in $PATH");
    }
    if (file.contains("/")) {
      return checkExecutable(root, file, workingDir, missing).map(why -> exec(file, why));
    }
    if (!missing.contains(file)) {
      for (String dir : path.split(":", -1)) {
        String candidate = (dir.isEmpty() ? "." : dir) + "/" + file;
        if (checkExecutable(root, candidate, workingDir, missing).isEmpty()) {
          return Optional.empty();
        }
      }
    }
    return Optional.of(exec(file, "executable file not found in $PATH"));
  }

  /** The runc error for a working directory that is not there, or empty when it is. */
  static Optional<String> workingDirProblem(Path root, String workingDir) {
    if (Files.isDirectory(inside(root, workingDir, "/"))) {
      return Optional.empty();
    }
    return Optional.of(
        "chdir to cwd ("
            + quote(workingDir)
            + ") set in config.json failed: no such file or directory");
  }

  private static Optional<String> checkExecutable(
      Path root, String file, String workingDir, Collection<String> missing) {
    String name = file.substring(file.lastIndexOf('/') + 1);
    if (missing.contains(name)) {
      return Optional.of("stat " + file + ": no such file or directory");
    }
    Path target = inside(root, file, workingDir);
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(target, BasicFileAttributes.class);
    } catch (IOException e) {
      return Optional.of("stat " + file + ": " + errno(e));
    }
    if (attributes.isDirectory()) {
      return Optional.of("is a directory");
    }
    return Files.isExecutable(target) ? Optional.empty() : Optional.of("permission denied");
  }

  private static Path inside(Path root, String file, String workingDir) {
    String absolute = file.startsWith("/") ? file : workingDir + "/" + file;
    return Path.of(root.toString(), absolute);
  }

  private static String errno(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException fs && fs.getReason() != null) {
      return fs.getReason().toLowerCase(Locale.ROOT);
    }
    return String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
  }

  private static String exec(String file, String why) {
    return "exec: " + quote(file) + ": " + why;
  }

  /** Go's strconv.Quote for the characters a command name can hold. */
  static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    s.codePoints()
        .forEach(
            c -> {
              switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                case '\r' -> out.append("\\r");
                default -> {
                  if (c < 0x20 || c == 0x7f) {
                    out.append(String.format("\\x%02x", c));
                  } else {
                    out.appendCodePoint(c);
                  }
                }
              }
            });
    return out.append('"').toString();
  }
}
