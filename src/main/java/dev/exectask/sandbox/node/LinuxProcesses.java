package dev.exectask.sandbox.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/**
 * What the node reads from the host's /proc: a container's PID 1 and its PID namespace's members.
 */
final class LinuxProcesses {
  private static final Path PROC = Path.of("/proc");

  private LinuxProcesses() {}

  /** The first child of {@code parent}, or empty when it has none (yet). */
  static OptionalLong firstChild(long parent) {
    // Present only on kernels built with CONFIG_PROC_CHILDREN; otherwise scan every process's ppid.
    Path children = PROC.resolve(parent + "/task/" + parent + "/children");
    if (Files.exists(children)) {
      try {
        String listed = Files.readString(children).trim();
        return listed.isEmpty()
            ? OptionalLong.empty()
            : OptionalLong.of(Long.parseLong(listed.split(" ")[0]));
      } catch (IOException | NumberFormatException e) {
        return OptionalLong.empty();
      }
    }
    return allPids().filter(pid -> parentOf(pid) == parent).findFirst();
  }

  /** The parent pid of {@code pid}, or -1 when it is gone. */
  static long parentOf(long pid) {
    try {
      String stat = Files.readString(PROC.resolve(pid + "/stat"));
      // The command name in parentheses may itself hold spaces and parentheses.
      String[] afterName = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(afterName[1]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** The one-letter scheduler state of {@code pid} ('Z' for a zombie), or empty when it is gone. */
  static Optional<Character> state(long pid) {
    try {
      String stat = Files.readString(PROC.resolve(pid + "/stat"));
      return Optional.of(stat.charAt(stat.lastIndexOf(')') + 2));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** The argv of {@code pid}; empty for a zombie or a process that is gone. */
  static List<String> commandLine(long pid) {
    byte[] raw;
    try {
      raw = Files.readAllBytes(PROC.resolve(pid + "/cmdline"));
    } catch (IOException e) {
      return List.of();
    }
    List<String> argv = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] == 0) {
        argv.add(new String(raw, start, i - start, StandardCharsets.UTF_8));
        start = i + 1;
      }
    }
    return argv;
  }

  /** The PID namespace of {@code pid} as the kernel names it ("pid:[4026532177]"). */
  static Optional<String> pidNamespace(long pid) {
    try {
      return Optional.of(Files.readSymbolicLink(PROC.resolve(pid + "/ns/pid")).toString());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Host pids of every process in the PID namespace {@code namespace}, zombies included. */
  static Set<Long> membersOf(String namespace) {
    return allPids()
        .filter(pid -> pidNamespace(pid).filter(namespace::equals).isPresent())
        .boxed()
        .collect(Collectors.toUnmodifiableSet());
  }

  private static LongStream allPids() {
    try (Stream<Path> entries = Files.list(PROC)) {
      long[] pids =
          entries
              .map(p -> p.getFileName().toString())
              .filter(name -> !name.isEmpty() && name.chars().allMatch(Character::isDigit))
              .mapToLong(Long::parseLong)
              .toArray();
      return LongStream.of(pids);
    } catch (IOException e) {
      return LongStream.empty();
    }
  }
}
