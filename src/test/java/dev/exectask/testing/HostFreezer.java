package dev.exectask.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.UUID;

/**
 * A cgroup v1 freezer group on this host: a process frozen in it is in uninterruptible sleep and
 * SIGKILL does not land until it is thawed. It makes a real process the killer signals and sees
 * survive, as a task stuck in D state (a hung NFS or FUSE mount) would.
 */
public final class HostFreezer implements AutoCloseable {

  static final Path ROOT = Path.of("/sys/fs/cgroup/freezer");

  private final Path group;

  private HostFreezer(Path group) {
    this.group = group;
  }

  /** Skips the test, saying why, where no writable cgroup v1 freezer is mounted. */
  public static HostFreezer create() {
    assumeTrue(
        Files.isWritable(ROOT.resolve("cgroup.procs")),
        "needs a writable cgroup v1 freezer at " + ROOT + " (root, freezer hierarchy mounted)");
    Path group = ROOT.resolve("exectask-test-" + UUID.randomUUID());
    try {
      Files.createDirectory(group);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new HostFreezer(group);
  }

  /** Moves the processes into the group and freezes it. */
  public void freeze(Collection<HostProcess> processes) {
    for (HostProcess process : processes) {
      write(group.resolve("cgroup.procs"), Long.toString(process.pid()));
    }
    write(group.resolve("freezer.state"), "FROZEN");
  }

  /** Whether the kernel reports the whole group frozen. */
  public boolean frozen() {
    try {
      return Files.readString(group.resolve("freezer.state")).strip().equals("FROZEN");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Thaws the group: pending signals, SIGKILL included, land now. */
  public void thaw() {
    write(group.resolve("freezer.state"), "THAWED");
  }

  /** Thaws, moves what is left back to the root group, and removes the group. */
  @Override
  public void close() {
    thaw();
    try {
      for (String pid : Files.readAllLines(group.resolve("cgroup.procs"))) {
        try {
          write(ROOT.resolve("cgroup.procs"), pid.strip());
        } catch (UncheckedIOException gone) {
          // It died as it thawed.
        }
      }
      Files.deleteIfExists(group);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path file, String value) {
    try {
      Files.writeString(file, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
