package dev.exectask.sandbox.node;

import java.nio.file.Path;
import java.time.Instant;
import java.util.OptionalLong;

/** One run of a container: a PID namespace from unshare's start until its PID 1 exits. */
final class ContainerInstance {
  final String containerId;
  final Process unshare;
  final ContainerEnvironment.Resolved environment;
  final String workingDir;
  final Instant createdAt;
  private volatile ProcessHandle init;
  private volatile Instant startedAt;

  ContainerInstance(
      String containerId,
      Process unshare,
      ContainerEnvironment.Resolved environment,
      String workingDir,
      Instant createdAt) {
    this.containerId = containerId;
    this.unshare = unshare;
    this.environment = environment;
    this.workingDir = workingDir;
    this.createdAt = createdAt;
  }

  /** Records PID 1 once it runs the container's command; from then on exec may enter it. */
  void started(ProcessHandle init, Instant at) {
    this.startedAt = at;
    this.init = init;
  }

  /** PID 1 while the container runs, else null. */
  ProcessHandle runningInit() {
    ProcessHandle current = init;
    return current != null && unshare.isAlive() ? current : null;
  }

  Instant startedAt() {
    return startedAt != null ? startedAt : createdAt;
  }

  /** The container's root directory as seen from the host, through its own mount namespace. */
  static Path root(ProcessHandle init) {
    return Path.of("/proc", Long.toString(init.pid()), "root");
  }

  /**
   * SIGKILLs PID 1, which makes the kernel kill every process in the namespace; unshare then reaps
   * it and exits, so unshare's exit means the namespace is empty. Only when PID 1 is not forked yet
   * is unshare killed instead (its --kill-child takes the child along). A handle checks the start
   * time, so a reused pid is never hit.
   */
  void kill() {
    ProcessHandle target = init;
    if (target == null) {
      OptionalLong child = LinuxProcesses.firstChild(unshare.pid());
      target = child.isPresent() ? ProcessHandle.of(child.getAsLong()).orElse(null) : null;
    }
    if (target == null || !target.destroyForcibly()) {
      unshare.destroyForcibly();
    }
  }
}
