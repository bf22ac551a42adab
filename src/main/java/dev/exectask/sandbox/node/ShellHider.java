package dev.exectask.sandbox.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Takes the shells away from a {@code sandbox.exectask.dev/shell: none} container, as a distroless
 * image lacks them. Over every directory that holds one, an overlay is mounted in the container's
 * own mount namespace whose top layer has a whiteout per shell name: inside, sh and the others are
 * missing for exec, execvp, env and #! lines alike, while the host keeps them.
 */
final class ShellHider {
  static final Set<String> SHELLS = Set.of("sh", "bash", "dash", "ash", "busybox");
  private static final Logger LOG = Logger.getLogger(ShellHider.class);
  private static final List<String> BIN_DIRS =
      List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin");

  private final Path whiteouts;
  private final String mount;

  private ShellHider(Path whiteouts, String mount) {
    this.whiteouts = whiteouts;
    this.mount = mount;
  }

  /**
   * Creates the whiteout layer under {@code dir}. When the host cannot (no mknod or mount, or a
   * path overlayfs cannot take), the hider hides nothing and exec's own lookup still refuses the
   * shells by name.
   */
  static ShellHider prepare(Path dir) {
    String mknod = HostCommand.find("mknod");
    String mount = HostCommand.find("mount");
    String layer = dir.toAbsolutePath().toString();
    if (mknod == null || mount == null || layer.matches(".*[:,\\\\].*")) {
      LOG.warnf("Shells of shell:none containers are refused by name only (cannot build %s)", dir);
      return new ShellHider(null, null);
    }
    try {
      Files.createDirectories(dir);
      for (String shell : SHELLS) {
        Path whiteout = dir.resolve(shell);
        if (!isWhiteout(whiteout)) {
          Files.deleteIfExists(whiteout);
          // A whiteout is a character device 0:0; the kernel lets anyone create one (Linux 5.8+).
          HostCommand.Result made =
              HostCommand.run(List.of(mknod, whiteout.toString(), "c", "0", "0"), null);
          if (!made.succeeded()) {
            throw new IOException(made.output());
          }
        }
      }
      return new ShellHider(dir.toAbsolutePath(), mount);
    } catch (IOException e) {
      LOG.warnf("Shells of shell:none containers are refused by name only: %s", e.getMessage());
      return new ShellHider(null, null);
    }
  }

  /**
   * Mounts the overlays in the mount namespace of the container whose PID 1 is {@code init} and
   * reports whether every shell is now missing there.
   */
  boolean hide(NamespaceCommands commands, long init, String containerPath) {
    if (whiteouts == null) {
      return false;
    }
    boolean hidden = true;
    for (String dir : directoriesWithShells(containerPath)) {
      List<String> overlay =
          List.of(
              mount, "-t", "overlay", "overlay", "-o", "lowerdir=" + whiteouts + ":" + dir, dir);
      HostCommand.Result mounted =
          HostCommand.run(
              commands.enterMounts(init, overlay), NamespaceCommands.defaultEnvironment());
      if (!mounted.succeeded()) {
        LOG.warnf(
            "Cannot hide the shells in %s of a shell:none container: %s", dir, mounted.output());
        hidden = false;
      }
    }
    return hidden;
  }

  /** Real directories (symlinks such as /bin -> usr/bin resolved) that hold a shell. */
  private static Set<String> directoriesWithShells(String containerPath) {
    List<String> candidates = new ArrayList<>(BIN_DIRS);
    for (String dir : containerPath.split(":")) {
      if (dir.startsWith("/")) {
        candidates.add(dir);
      }
    }
    Set<String> result = new LinkedHashSet<>();
    for (String candidate : candidates) {
      try {
        Path real = Path.of(candidate).toRealPath();
        if (SHELLS.stream()
            .anyMatch(s -> Files.exists(real.resolve(s), LinkOption.NOFOLLOW_LINKS))) {
          result.add(real.toString());
        }
      } catch (IOException e) {
        // Not a directory on this host: nothing to hide there.
      }
    }
    return result;
  }

  private static boolean isWhiteout(Path path) {
    try {
      return Files.exists(path, LinkOption.NOFOLLOW_LINKS)
          && !Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)
          && !Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)
          && ((Number) Files.getAttribute(path, "unix:rdev", LinkOption.NOFOLLOW_LINKS)).longValue()
              == 0;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }
}
