package dev.exectask.lifecycle;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Looks at this machine's real processes, the ground truth behind a task's status: which processes
 * still carry a task's marker.
 */
public final class HostProcesses {

  /** One live host process carrying a task's marker. */
  public record Marked(long pid, String command) {}

  private HostProcesses() {}

  /**
   * Every live process on the host whose environment has {@code EXECTASK_UID=<uid>}. Zombies are
   * not alive (only their exit status remains) and their environ reads empty anyway.
   */
  public static List<Marked> alive(String taskUid) {
    byte[] entry = ("EXECTASK_UID=" + taskUid).getBytes(StandardCharsets.UTF_8);
    List<Marked> found = new ArrayList<>();
    try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
      for (Path proc : procs) {
        try {
          String stat = Files.readString(proc.resolve("stat"));
          char state = stat.charAt(stat.lastIndexOf(')') + 2);
          if (state == 'Z' || !hasEntry(Files.readAllBytes(proc.resolve("environ")), entry)) {
            continue;
          }
          found.add(
              new Marked(
                  Long.parseLong(proc.getFileName().toString()),
                  Files.readString(proc.resolve("cmdline")).replace('\0', ' ').strip()));
        } catch (IOException | RuntimeException vanished) {
          // The process ended while being read: it is gone, which is what callers look for.
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc", e);
    }
    return found;
  }

  private static boolean hasEntry(byte[] environ, byte[] entry) {
    int start = 0;
    for (int i = 0; i <= environ.length; i++) {
      if (i == environ.length || environ[i] == 0) {
        if (i - start == entry.length
            && java.util.Arrays.equals(environ, start, i, entry, 0, entry.length)) {
          return true;
        }
        start = i + 1;
      }
    }
    return false;
  }
}
