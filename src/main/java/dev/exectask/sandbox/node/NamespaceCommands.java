package dev.exectask.sandbox.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * The util-linux command lines that create a container's namespaces and enter them. As root the
 * namespaces belong to the host; otherwise a user namespace mapping the caller to root holds them,
 * and nsenter joins it with --preserve-credentials. Every process of a container, PID 1 and exec'd
 * ones, runs with the capabilities a container runtime grants by default: setpriv drops the others
 * from the bounding set (and clears the inheritable set, as containerd does) once inside the
 * namespaces, since entering them needs the privileges a container lacks.
 */
final class NamespaceCommands {
  private static final Logger LOG = Logger.getLogger(NamespaceCommands.class);
  private final String unshare;
  private final String nsenter;
  private final String setpriv;
  private final boolean rootless;

  /**
   * The capabilities containerd, CRI-O and Docker give a container that asks for none more
   * (containerd's {@code oci.defaultUnixCaps}, moby's {@code caps.DefaultCapabilities}): no
   * CAP_SYS_PTRACE, so another uid's /proc/PID/environ is unreadable, no CAP_SYS_ADMIN.
   */
  static final List<String> DEFAULT_CAPABILITIES =
      List.of(
          "chown",
          "dac_override",
          "fsetid",
          "fowner",
          "mknod",
          "net_raw",
          "setgid",
          "setuid",
          "setfcap",
          "setpcap",
          "net_bind_service",
          "sys_chroot",
          "kill",
          "audit_write");

  /** setpriv's arguments that leave a process the default capabilities; empty without setpriv. */
  private final List<String> dropCapabilities;

  private NamespaceCommands(
      String unshare,
      String nsenter,
      String setpriv,
      boolean rootless,
      List<String> dropCapabilities) {
    this.unshare = unshare;
    this.nsenter = nsenter;
    this.setpriv = setpriv;
    this.rootless = rootless;
    this.dropCapabilities = dropCapabilities;
  }

  static List<String> dropCapabilities(String setpriv) {
    return List.of(
        setpriv,
        "--bounding-set",
        "-all," + String.join(",", DEFAULT_CAPABILITIES.stream().map(c -> "+" + c).toList()),
        "--inh-caps",
        "-all",
        "--");
  }

  /**
   * Finds the tools and proves that a PID namespace can be created here.
   *
   * @throws IllegalStateException when this is not Linux, the tools are missing or the kernel
   *     refuses the namespaces
   */
  static NamespaceCommands detect() {
    String os = System.getProperty("os.name", "unknown");
    if (!os.toLowerCase(java.util.Locale.ROOT).startsWith("linux")) {
      throw new IllegalStateException(
          "The sandbox runs each container as a Linux PID namespace and cannot run on "
              + os
              + "; use a Kubernetes cluster (for example kind or k3s) instead.");
    }
    String unshare = HostCommand.find("unshare");
    String nsenter = HostCommand.find("nsenter");
    String truth = HostCommand.find("true");
    if (unshare == null || nsenter == null || truth == null) {
      throw new IllegalStateException(
          "The sandbox needs unshare and nsenter (util-linux) on the PATH to run containers.");
    }
    boolean rootless = effectiveUid() != 0;
    String setpriv = HostCommand.find("setpriv");
    if (setpriv != null
        && !HostCommand.run(List.of(setpriv, "--pdeathsig", "KILL", "--", truth), null)
            .succeeded()) {
      setpriv = null;
    }
    List<String> drop = setpriv == null ? List.of() : dropCapabilities(setpriv);
    NamespaceCommands commands = new NamespaceCommands(unshare, nsenter, setpriv, rootless, drop);
    HostCommand.Result probe = HostCommand.run(commands.runAsInit(List.of(truth)), null);
    if (!probe.succeeded() && !drop.isEmpty()) {
      NamespaceCommands privileged =
          new NamespaceCommands(unshare, nsenter, setpriv, rootless, List.of());
      HostCommand.Result retry = HostCommand.run(privileged.runAsInit(List.of(truth)), null);
      if (retry.succeeded()) {
        LOG.warnf(
            "setpriv cannot drop capabilities here (%s): containers keep every capability of"
                + " the sandbox's user, CAP_SYS_PTRACE included",
            probe.output());
        commands = privileged;
        probe = retry;
      }
    }
    if (!probe.succeeded()) {
      throw new IllegalStateException(
          "The sandbox cannot create PID namespaces with unshare ("
              + probe.output()
              + ")"
              + (rootless
                  ? ": unprivileged user namespaces may be disabled"
                      + " (sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone,"
                      + " kernel.apparmor_restrict_unprivileged_userns), or run as root."
                  : "."));
    }
    return commands;
  }

  /**
   * Runs {@code argv} as PID 1 of a new PID namespace with its own /proc. When the JVM dies without
   * closing the node, setpriv's parent-death signal kills unshare and unshare's --kill-child kills
   * PID 1, so no container outlives the sandbox.
   */
  List<String> runAsInit(List<String> argv) {
    List<String> command = new ArrayList<>();
    if (rootless) {
      // Created first, so that the user namespace's new credentials do not clear the death signal.
      command.addAll(List.of(unshare, "--user", "--map-root-user", "--"));
    }
    if (setpriv != null) {
      command.addAll(List.of(setpriv, "--pdeathsig", "KILL", "--"));
    }
    command.addAll(
        List.of(unshare, "--kill-child=SIGKILL", "--pid", "--fork", "--mount-proc", "--"));
    command.addAll(dropCapabilities);
    command.addAll(argv);
    return command;
  }

  /**
   * Whether a process's command line is still the launcher of a container's PID 1 (unshare's child
   * before it has exec'd setpriv's target), not the container's own command.
   */
  boolean isCapabilityDrop(List<String> commandLine) {
    return !dropCapabilities.isEmpty()
        && commandLine.size() > dropCapabilities.size()
        && commandLine.subList(0, dropCapabilities.size()).equals(dropCapabilities);
  }

  /**
   * Runs {@code argv} in the PID and mount namespaces of the container whose PID 1 is {@code init}.
   */
  List<String> enter(long init, String workingDir, List<String> argv) {
    List<String> command = new ArrayList<>(nsenterPrefix(init));
    command.addAll(List.of("--pid", "--mount", "--wd=" + workingDir, "--"));
    command.addAll(dropCapabilities);
    command.addAll(argv);
    return command;
  }

  /** Runs {@code argv} in the mount namespace only of the container whose PID 1 is {@code init}. */
  List<String> enterMounts(long init, List<String> argv) {
    List<String> command = new ArrayList<>(nsenterPrefix(init));
    command.addAll(List.of("--mount", "--"));
    command.addAll(argv);
    return command;
  }

  private List<String> nsenterPrefix(long init) {
    return rootless
        ? List.of(nsenter, "--target", Long.toString(init), "--preserve-credentials", "--user")
        : List.of(nsenter, "--target", Long.toString(init));
  }

  private static List<String> concat(List<String> first, List<String> second) {
    List<String> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }

  private static long effectiveUid() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("Uid:")) {
          return Long.parseLong(line.split("\\s+")[2]);
        }
      }
    } catch (IOException | RuntimeException e) {
      // Unknown: assume an unprivileged user, which works for root too.
    }
    return -1;
  }

  static Map<String, String> defaultEnvironment() {
    return Map.of("PATH", ContainerEnvironment.DEFAULT_PATH);
  }
}
