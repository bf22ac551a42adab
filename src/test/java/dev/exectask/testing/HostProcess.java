package dev.exectask.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.exectask.scripts.InContainerScripts;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A live process of this machine as /proc shows it: the ground truth behind a task's status, since
 * sandbox containers are PID namespaces on this host.
 */
public record HostProcess(long pid, String state, long pgrp, long startTime, List<String> environ) {

  /**
   * The process, unless it is gone or a zombie (a zombie is dead: only its exit status remains).
   */
  public static Optional<HostProcess> of(long pid) {
    String[] fields = liveStat(pid);
    if (fields == null) {
      return Optional.empty();
    }
    List<String> environ;
    try {
      byte[] bytes = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
      environ = List.of(new String(bytes, UTF_8).split("\0"));
    } catch (IOException e) {
      environ = List.of();
    }
    try {
      return Optional.of(
          new HostProcess(
              pid, fields[0], Long.parseLong(fields[2]), Long.parseLong(fields[19]), environ));
    } catch (RuntimeException malformed) {
      return Optional.empty();
    }
  }

  /**
   * The start time of the process (field 22 of /proc/PID/stat), empty when it is gone or a zombie:
   * its stat alone, cheap enough to poll for many processes at once.
   */
  public static OptionalLong liveStartTime(long pid) {
    String[] fields = liveStat(pid);
    try {
      return fields == null ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(fields[19]));
    } catch (RuntimeException malformed) {
      return OptionalLong.empty();
    }
  }

  /** The fields of /proc/PID/stat after the command's name, null when it is gone or a zombie. */
  private static String[] liveStat(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), UTF_8);
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return fields[0].equals("Z") || fields[0].equals("X") ? null : fields;
    } catch (IOException | RuntimeException gone) {
      return null;
    }
  }

  /** Every live process of the host. */
  public static List<HostProcess> all() {
    List<HostProcess> all = new ArrayList<>();
    try (DirectoryStream<Path> dirs =
        Files.newDirectoryStream(
            Path.of("/proc"), path -> path.getFileName().toString().matches("\\d+"))) {
      for (Path dir : dirs) {
        of(Long.parseLong(dir.getFileName().toString())).ifPresent(all::add);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return all;
  }

  /** Live processes whose environment carries the marker of the task with this UID. */
  public static List<HostProcess> carryingMarker(String taskUid) {
    String marker = InContainerScripts.MARKER_ENV + "=" + taskUid;
    return all().stream().filter(p -> p.environ().contains(marker)).toList();
  }

  /**
   * The soft CPU-time limit of the process ("unlimited" or a number of seconds), empty when it is
   * gone: the wrapper's token, which survives a cleared environment and a change of uid.
   */
  public static Optional<String> cpuSoftLimit(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "limits"))) {
        if (line.startsWith("Max cpu time")) {
          return Optional.of(line.substring("Max cpu time".length()).strip().split(" +")[0]);
        }
      }
      return Optional.empty();
    } catch (IOException | RuntimeException gone) {
      return Optional.empty();
    }
  }

  /** Live processes carrying the task's CPU-time token. */
  public static List<HostProcess> carryingToken(String taskUid) {
    String token = Long.toString(InContainerScripts.cpuToken(taskUid));
    return all().stream()
        .filter(p -> cpuSoftLimit(p.pid()).filter(token::equals).isPresent())
        .toList();
  }

  public static List<Long> inGroup(long pgrp) {
    return all().stream().filter(p -> p.pgrp() == pgrp).map(HostProcess::pid).toList();
  }

  /** The argv the process shows in /proc/PID/cmdline (empty when it is gone or a kernel thread). */
  public List<String> cmdline() {
    try {
      String command = Files.readString(Path.of("/proc", Long.toString(pid), "cmdline"), UTF_8);
      return command.isEmpty() ? List.of() : List.of(command.split("\0"));
    } catch (IOException | RuntimeException gone) {
      return List.of();
    }
  }

  /** Short, for assertion messages: the environment is long and says little. */
  @Override
  public String toString() {
    List<String> command = cmdline();
    return pid + " " + state + " " + (command.isEmpty() ? "?" : String.join(" ", command));
  }
}
