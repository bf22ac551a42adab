package dev.exectask.sandbox.node;

import dev.exectask.sandbox.ExecBackend;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Runs every pod of the sandbox's API on this machine, standing in for a node's kubelet and
 * container runtime, so the operator drives real processes with no cluster.
 *
 * <p><b>Containers.</b> Each container is its own Linux PID namespace: {@code unshare --pid --fork
 * --mount-proc} (inside a user namespace mapping the caller to root when not root) whose PID 1 runs
 * the container's command and args ($(VAR) expanded) with its env and workingDir. The image is
 * ignored and the file system is the host's. Without command and args PID 1 is a small sh init that
 * sleeps and reaps orphans ({@code default-init.sh}). PID 1 and every exec'd process keep only the
 * capabilities a container runtime grants by default ({@link
 * NamespaceCommands#DEFAULT_CAPABILITIES}): no CAP_SYS_PTRACE, so root in a container cannot read
 * another uid's /proc/PID/environ, as in a real pod; no_new_privs stays off. A container's stdout
 * and stderr go to {@code <workDir>/pods/<namespace>_<pod>_<uid>/<container>/<restartCount>.log}.
 *
 * <p><b>Status.</b> Written through the status subresource: phase, conditions, pod and host IP
 * 127.0.0.1, and containerStatuses with a fresh {@code sandbox://} containerID per run. When PID 1
 * exits the container is terminated (Completed or Error with its exit code) and, under
 * restartPolicy Always or OnFailure (non-zero), restarted with a new containerID and restartCount +
 * 1 after the kubelet's crash-loop back-off. A missing command or working directory is a StartError
 * (exit code 128) worded as runc words it. PID 1 killed by SIGKILL from outside reports exit code 1
 * with util-linux 2.38's unshare, which cannot re-raise SIGKILL; nothing inside a container can
 * send it.
 *
 * <p><b>Deletion and shutdown.</b> Deleting a pod, or a deletionTimestamp, SIGKILLs each
 * container's PID 1, so the kernel kills everything in the namespace, exec'd processes included.
 * {@link #close()} does the same for every container and waits for each process it started. If the
 * JVM dies unclosed, parent-death signals (setpriv, unshare --kill-child) take the containers down.
 *
 * <p><b>Exec.</b> {@code nsenter --target <PID 1> --pid --mount --wd=<workingDir>} with the
 * container's environment; argv is passed verbatim. argv[0] is looked up in the container first, as
 * runc does, and a miss fails with runc's wording. The command's output is relayed through FIFOs
 * that live until the last writer in the container closes them: a caller that stops reading or
 * closes the streams does not kill anything, as with a real runtime.
 *
 * <p><b>Fidelity annotations.</b> {@code sandbox.exectask.dev/init: no-reap}: PID 1 is {@code sleep
 * infinity}, so orphans that die stay zombies. {@code sandbox.exectask.dev/shell: none}: the
 * container has no sh, bash, dash, ash or busybox. They are hidden, not merely refused: overlays
 * with whiteouts are mounted over the directories holding them in the container's own mount
 * namespace, so {@code env sh} and {@code #!/bin/sh} scripts fail there too (see {@link
 * ShellHider}); exec's lookup also refuses those names, which keeps the behaviour where overlayfs
 * is unavailable. The mounts are made right after PID 1 starts, before the container is reported
 * running; only a command run as PID 1 itself could meet a shell in those few milliseconds.
 *
 * <p><b>Fault annotations</b>, so that {@code kubectl annotate} shows how a client copes (the exec
 * connections are the sandbox API server's; it reads the annotations from the stored pod):
 *
 * <ul>
 *   <li>{@code sandbox.exectask.dev/drop-exec-connections: <any value>}: each new value (the first
 *       included) cuts every exec connection open into the pod at that moment, as a load balancer
 *       or a restarting API server does: the TCP connection closes with no status on channel 3 and
 *       no close frame. The exec'd processes run on; their stdin gets end-of-file. Later execs are
 *       not affected.
 *   <li>{@code sandbox.exectask.dev/exec-fault: fail-mid-stream}: while present, each exec starts
 *       its process and relays its output, then is cut the same way once 1024 bytes of stdin have
 *       reached the process, or 300 ms after the start if the client sent no stdin by then, or when
 *       the process exits: its exit status never arrives. The process runs on, its stdin closed.
 *   <li>{@code sandbox.exectask.dev/exec-fault: hang}: while present, an exec is upgraded to a
 *       websocket and nothing more happens: no process, no frame, until the client closes it.
 *       {@code GET /sandbox/v1/namespaces/NS/pods/NAME/execs} answers {@code {"open": N}}, the exec
 *       connections open into the pod, hung ones included.
 *   <li>{@code sandbox.exectask.dev/exec-idle-timeout: SECONDS}: each exec opened while present is
 *       cut the same way (no status, no close frame; the process runs on) once SECONDS pass with no
 *       websocket frame in either direction, as a load balancer's idle timeout does. Pings and
 *       pongs count as traffic, so a client that pings more often keeps its stream.
 *   <li>{@code sandbox.exectask.dev/node: lost}: the pod's node is unreachable. A new exec is
 *       answered after 2 s with HTTP 500 and the Status {@code error dialing backend: dial tcp
 *       10.0.0.1:10250: i/o timeout}, as kube-apiserver answers for an unreachable kubelet; open
 *       exec connections are cut (processes run on). The node writes what the node lifecycle
 *       controller writes ({@code MarkPodsNotReady}): the last status with {@code Ready} False,
 *       ContainersReady and the container statuses unchanged, and a Warning Event {@code
 *       NodeNotReady}; then nothing more until it is back. Deleting the pod leaves it Terminating
 *       (deletionTimestamp set, the finalizer {@value #UNREACHABLE_NODE_FINALIZER} standing for the
 *       kubelet), its containers running. Removing the annotation brings the node back: it reports
 *       the truth again and finishes a pending deletion (SIGKILL, then a grace-period-0 delete). A
 *       forced delete ({@code --grace-period=0 --force}) removes the pod at once and, unlike a real
 *       lost machine where they would live on, kills its containers so nothing is left on this
 *       host.
 * </ul>
 *
 * <p>Not emulated: init containers, probes (a running container is ready), resources and volumes.
 */
public final class EmulatedNode implements AutoCloseable {
  public static final String INIT_ANNOTATION = "sandbox.exectask.dev/init";
  public static final String NO_REAP = "no-reap";
  public static final String SHELL_ANNOTATION = "sandbox.exectask.dev/shell";
  public static final String NO_SHELL = "none";
  public static final String DROP_EXEC_ANNOTATION = "sandbox.exectask.dev/drop-exec-connections";
  public static final String EXEC_FAULT_ANNOTATION = "sandbox.exectask.dev/exec-fault";
  public static final String FAIL_MID_STREAM = "fail-mid-stream";
  public static final String HANG = "hang";
  public static final String EXEC_IDLE_TIMEOUT_ANNOTATION =
      "sandbox.exectask.dev/exec-idle-timeout";
  public static final String NODE_ANNOTATION = "sandbox.exectask.dev/node";
  public static final String NODE_LOST = "lost";

  /**
   * This node's name: it runs the pods bound to it and the pods bound to no node (the sandbox has
   * no scheduler); a pod whose {@code spec.nodeName} names another node is another kubelet's, and
   * costs this machine nothing.
   */
  public static final String NODE_NAME = "sandbox";

  /** Stands for the unreachable kubelet on a pod deleted while its node is lost. */
  public static final String UNREACHABLE_NODE_FINALIZER = "sandbox.exectask.dev/unreachable-node";

  private static final Logger LOG = Logger.getLogger(EmulatedNode.class);
  private static final Path HOST_ROOT = Path.of("/");
  private static final Duration INIT_POLL = Duration.ofMillis(5);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration CONFIG_RETRY = Duration.ofSeconds(10);
  private static final Duration STATUS_RETRY = Duration.ofSeconds(1);
  private static final Duration STATUS_SETTLE = Duration.ofMillis(300);
  private static final Duration SHUTDOWN_WAIT = Duration.ofSeconds(10);
  private static final String DEFAULT_INIT = loadScript("default-init.sh");
  private static final String START_ERROR =
      "failed to create containerd task: failed to create shim task: OCI runtime create failed:"
          + " runc create failed: unable to start container process: error during container init: ";

  private final KubernetesClient client;
  private final Path workDir;
  private final Clock clock;
  private final KubernetesSerialization serialization;
  private final SecureRandom random = new SecureRandom();
  private final Map<String, PodRuntime> pods = new ConcurrentHashMap<>();
  private final Set<ContainerInstance> instances = ConcurrentHashMap.newKeySet();

  /** The nsenter of every exec still running (and of those ended since the last one started). */
  private final Set<Process> execs = ConcurrentHashMap.newKeySet();

  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean started;
  private NamespaceCommands commands;
  private ShellHider shellHider;
  private FifoPool fifos;
  private String sleep;
  // Every container is started from this one long-lived thread: setpriv's parent-death signal
  // fires when the thread that forked the process ends, not only when the JVM does.
  private ScheduledThreadPoolExecutor loop;
  private volatile SharedIndexInformer<Pod> informer;

  public EmulatedNode(KubernetesClient client, Path workDir) {
    this(client, workDir, Clock.systemUTC());
  }

  EmulatedNode(KubernetesClient client, Path workDir, Clock clock) {
    this.client = Objects.requireNonNull(client, "client");
    this.workDir = workDir.toAbsolutePath();
    this.clock = clock;
    this.serialization = client.getKubernetesSerialization();
  }

  /**
   * Starts running pods: an informer on pods in all namespaces. Returns once it has synced.
   *
   * @throws IllegalStateException when this machine cannot run containers as PID namespaces (not
   *     Linux, no util-linux, user namespaces disabled) or the node was started before
   */
  public synchronized void start() {
    if (started || closed.get()) {
      throw new IllegalStateException("The node has already been started");
    }
    commands = NamespaceCommands.detect();
    String mkfifo = HostCommand.find("mkfifo");
    sleep = Objects.requireNonNullElse(HostCommand.find("sleep"), "sleep");
    if (mkfifo == null) {
      throw new IllegalStateException("The sandbox needs mkfifo (coreutils) on the PATH.");
    }
    fifos = new FifoPool(mkfifo, workDir.resolve("exec"));
    try {
      Files.createDirectories(workDir.resolve("pods"));
      Files.createDirectories(workDir.resolve("exec"));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create the node's directory " + workDir, e);
    }
    shellHider = ShellHider.prepare(workDir.resolve("whiteouts"));
    loop =
        new ScheduledThreadPoolExecutor(
            1,
            task -> {
              Thread thread = new Thread(task, "sandbox-node");
              thread.setDaemon(true);
              return thread;
            });
    loop.setRemoveOnCancelPolicy(true);
    started = true;
    informer =
        client
            .pods()
            .inAnyNamespace()
            .inform(
                new ResourceEventHandler<>() {
                  @Override
                  public void onAdd(Pod pod) {
                    onLoop(() -> podSeen(pod));
                  }

                  @Override
                  public void onUpdate(Pod old, Pod pod) {
                    onLoop(() -> podSeen(pod));
                  }

                  @Override
                  public void onDelete(Pod pod, boolean finalStateUnknown) {
                    onLoop(() -> podGone(pod));
                  }
                },
                0);
  }

  /**
   * A container's log as the kubelet serves it: PID 1's stdout and stderr of the running instance
   * (or, with {@code previous}, of the one before it), from the file the node appends them to.
   */
  public byte[] log(String namespace, String podName, String container, boolean previous)
      throws ExecBackend.LogRefused {
    PodRuntime pod = pods.get(PodRuntime.key(namespace, podName));
    if (pod == null || pod.removed) {
      throw new ExecBackend.LogRefused(404, "NotFound", "pods \"" + podName + "\" not found");
    }
    String name = container;
    if (name == null || name.isEmpty()) {
      if (pod.containers.size() != 1) {
        throw new ExecBackend.LogRefused(
            400,
            "BadRequest",
            "a container name must be specified for pod "
                + podName
                + ", choose one of: "
                + pod.containers.keySet().stream().toList().toString().replace(",", ""));
      }
      name = pod.containers.keySet().iterator().next();
    }
    ContainerRuntime target = pod.containers.get(name);
    if (target == null) {
      throw new ExecBackend.LogRefused(
          400, "BadRequest", "container " + name + " is not valid for pod " + podName);
    }
    int instance = target.restartCount() - (previous ? 1 : 0);
    if (instance < 0) {
      throw new ExecBackend.LogRefused(
          400,
          "BadRequest",
          "previous terminated container \"" + name + "\" in pod \"" + podName + "\" not found");
    }
    Path file = pod.logFile(workDir, name, instance);
    try {
      return Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
    } catch (IOException e) {
      throw new ExecBackend.LogRefused(500, "InternalError", "cannot read the log: " + e);
    }
  }

  /**
   * Starts {@code argv} inside the container's namespaces, as a runtime's exec does. The returned
   * process's exit value is the command's exit status (128+N if it died of signal N). Closing or
   * abandoning its streams never kills the command.
   *
   * @throws ExecStartException when the pod or container is not there or not running, or argv[0] is
   *     missing in the container (worded as runc reports it)
   */
  public Process exec(String namespace, String podName, String container, List<String> argv)
      throws ExecStartException {
    if (!started || closed.get()) {
      throw new ExecStartException("the sandbox node is not running");
    }
    PodRuntime pod = pods.get(PodRuntime.key(namespace, podName));
    if (pod == null || pod.removed) {
      throw new ExecStartException("pod " + namespace + "/" + podName + " not found");
    }
    ContainerRuntime target = pod.containers.get(container);
    if (target == null) {
      throw new ExecStartException("container " + container + " is not valid for pod " + podName);
    }
    ContainerInstance instance = target.current;
    ProcessHandle init = instance == null ? null : instance.runningInit();
    if (init == null) {
      throw new ExecStartException("container " + container + " is not running");
    }
    String execId = randomHex();
    Path root = ContainerInstance.root(init);
    String file = argv.isEmpty() ? "" : argv.get(0);
    Optional<String> problem =
        ExecutableLookup.workingDirProblem(root, instance.workingDir)
            .or(
                () ->
                    ExecutableLookup.problem(
                        root,
                        file,
                        instance.environment.path(),
                        instance.workingDir,
                        pod.missingCommands));
    if (problem.isPresent()) {
      throw new ExecStartException(
          "failed to exec in container: failed to start exec \""
              + execId
              + "\": OCI runtime exec failed: exec failed: unable to start container process: "
              + problem.get()
              + ": unknown");
    }
    return startExec(instance, init, argv, execId);
  }

  /** Host PIDs of the processes in a container's PID namespace, empty if it is not running. */
  public Set<Long> hostPids(String namespace, String podName, String container) {
    PodRuntime pod = pods.get(PodRuntime.key(namespace, podName));
    ContainerRuntime target = pod == null ? null : pod.containers.get(container);
    ContainerInstance instance = target == null ? null : target.current;
    ProcessHandle init = instance == null ? null : instance.runningInit();
    if (init == null) {
      return Set.of();
    }
    return LinuxProcesses.pidNamespace(init.pid()).map(LinuxProcesses::membersOf).orElse(Set.of());
  }

  /** Whether the pod is bound to this node or to none, so that this node runs it. */
  static boolean runsHere(Pod pod) {
    String nodeName = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    return nodeName == null || nodeName.isEmpty() || nodeName.equals(NODE_NAME);
  }

  /** SIGKILLs every container's namespace, stops the informer and waits for every process. */
  @Override
  public synchronized void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (informer != null) {
      informer.stop();
    }
    // Containers die before the loop thread ends: its end would fire the parent-death signals and
    // leave dying PID 1s to the host's init instead of to unshare, which waits for them.
    long deadline = System.nanoTime() + SHUTDOWN_WAIT.toNanos();
    killAll(deadline);
    if (loop != null) {
      loop.shutdownNow();
      try {
        loop.awaitTermination(SHUTDOWN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // A start the loop had under way when the node closed.
    killAll(deadline);
    // With their namespaces gone, the nsenter parents of exec'd commands end on their own.
    for (Process exec : new ArrayList<>(execs)) {
      if (!awaitExit(exec, deadline)) {
        exec.destroyForcibly();
        awaitExit(exec, System.nanoTime() + SHUTDOWN_WAIT.toNanos());
      }
    }
    pods.clear();
    if (fifos != null) {
      fifos.close();
    }
  }

  private void killAll(long deadline) {
    List<ContainerInstance> running = new ArrayList<>(instances);
    running.forEach(ContainerInstance::kill);
    for (ContainerInstance instance : running) {
      if (!awaitExit(instance.unshare, deadline)) {
        instance.unshare.destroyForcibly();
      }
    }
  }

  private void podSeen(Pod pod) {
    if (!runsHere(pod)) {
      return;
    }
    String key = PodRuntime.key(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
    PodRuntime runtime = pods.get(key);
    if (runtime != null && !Objects.equals(runtime.uid, pod.getMetadata().getUid())) {
      // Deleted and created again while the delete event was missed.
      remove(runtime);
      runtime = null;
    }
    boolean deleting = pod.getMetadata().getDeletionTimestamp() != null;
    if (runtime == null) {
      if (!deleting) {
        PodRuntime created = new PodRuntime(pod, clock.instant());
        pods.put(key, created);
        created.containers().forEach(container -> startContainer(created, container));
        requestStatusWrite(created);
      }
      return;
    }
    runtime.pod = pod;
    boolean lost = PodRuntime.lost(pod);
    if (lost != runtime.nodeLost) {
      runtime.nodeLost = lost;
      LOG.debugf("Pod %s: node %s", runtime.key(), lost ? "lost" : "back");
      if (lost && runtime.lastStatus != null) {
        recordNodeNotReady(runtime);
      }
      requestStatusWrite(runtime);
    }
    if (deleting && !runtime.deleting) {
      if (lost) {
        // No kubelet hears of the deletion: the pod stays Terminating, its containers run on.
        runtime.deletionHeld = true;
      } else {
        runtime.deleting = true;
        killContainers(runtime);
        finishHeldDeletion(runtime);
      }
    }
    if (runtime.serverStatusJson != null
        && !runtime.statusCheckQueued
        && !runtime.serverStatusJson.equals(serialization.asJson(pod.getStatus()))) {
      // Either an event older than the node's last write, or someone replaced the status the node
      // wrote (the API keeps no separate status for pods). Only the latter lasts.
      runtime.statusCheckQueued = true;
      PodRuntime replaced = runtime;
      later(STATUS_SETTLE, () -> rewriteReplacedStatus(replaced));
    }
  }

  private void rewriteReplacedStatus(PodRuntime runtime) {
    runtime.statusCheckQueued = false;
    SharedIndexInformer<Pod> pods = informer;
    Pod latest = pods == null ? null : pods.getStore().getByKey(runtime.key());
    if (latest != null
        && Objects.equals(latest.getMetadata().getUid(), runtime.uid)
        && !Objects.equals(runtime.serverStatusJson, serialization.asJson(latest.getStatus()))) {
      runtime.rewrite = true;
      requestStatusWrite(runtime);
    }
  }

  private void podGone(Pod pod) {
    String key = PodRuntime.key(pod.getMetadata().getNamespace(), pod.getMetadata().getName());
    PodRuntime runtime = pods.get(key);
    if (runtime != null && Objects.equals(runtime.uid, pod.getMetadata().getUid())) {
      remove(runtime);
    }
  }

  private void remove(PodRuntime pod) {
    pod.removed = true;
    pods.remove(pod.key(), pod);
    killContainers(pod);
  }

  /** The Warning Event the node lifecycle controller records on each pod it marks not ready. */
  private void recordNodeNotReady(PodRuntime pod) {
    String now = clock.instant().toString();
    try {
      client
          .v1()
          .events()
          .inNamespace(pod.namespace)
          .resource(
              new EventBuilder()
                  .withNewMetadata()
                  .withNamespace(pod.namespace)
                  .withName(pod.name + "." + randomHex().substring(0, 16))
                  .endMetadata()
                  .withNewInvolvedObject()
                  .withApiVersion("v1")
                  .withKind("Pod")
                  .withNamespace(pod.namespace)
                  .withName(pod.name)
                  .withUid(pod.uid)
                  .endInvolvedObject()
                  .withType("Warning")
                  .withReason("NodeNotReady")
                  .withMessage("Node is not ready")
                  .withNewSource()
                  .withComponent("node-controller")
                  .endSource()
                  .withReportingComponent("node-controller")
                  .withFirstTimestamp(now)
                  .withLastTimestamp(now)
                  .withCount(1)
                  .build())
          .create();
    } catch (KubernetesClientException e) {
      LOG.debugf(e, "Recording NodeNotReady for pod %s failed", pod.key());
    }
  }

  /**
   * The node is back for a pod deleted while it was lost: once its containers are gone, the node
   * removes the pod, as a kubelet does with a grace-period-0 delete.
   */
  private void finishHeldDeletion(PodRuntime pod) {
    if (!pod.deletionHeld
        || !pod.deleting
        || pod.removed
        || pod.containers().stream().anyMatch(c -> c.current != null)) {
      return;
    }
    try {
      client.pods().inNamespace(pod.namespace).withName(pod.name).withGracePeriod(0).delete();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 && !closed.get()) {
        LOG.debugf(e, "Deleting pod %s failed; retrying", pod.key());
        later(STATUS_RETRY, () -> finishHeldDeletion(pod));
      }
    }
  }

  private void killContainers(PodRuntime pod) {
    for (ContainerRuntime container : pod.containers()) {
      if (container.pendingStart != null) {
        container.pendingStart.cancel(false);
        container.pendingStart = null;
      }
      ContainerInstance instance = container.current;
      if (instance != null) {
        instance.kill();
      }
    }
  }

  private void startContainer(PodRuntime pod, ContainerRuntime container) {
    container.pendingStart = null;
    if (pod.removed || pod.deleting || closed.get()) {
      return;
    }
    ContainerEnvironment.Resolved environment;
    try {
      environment = ContainerEnvironment.resolve(pod.pod, container.spec, client);
    } catch (ContainerEnvironment.ConfigError | KubernetesClientException e) {
      container.waitingFor("CreateContainerConfigError", e.getMessage());
      container.pendingStart = later(CONFIG_RETRY, () -> startContainer(pod, container));
      requestStatusWrite(pod);
      return;
    }
    container.creating();
    String containerId = "sandbox://" + randomHex();
    List<String> command =
        ContainerEnvironment.expand(listOf(container.spec.getCommand()), environment.declared());
    List<String> args =
        ContainerEnvironment.expand(listOf(container.spec.getArgs()), environment.declared());
    List<String> argv = new ArrayList<>(command);
    argv.addAll(args);
    String workingDir = workingDir(container);
    Optional<String> problem = ExecutableLookup.workingDirProblem(HOST_ROOT, workingDir);
    if (argv.isEmpty()) {
      argv = pod.reapsOrphans ? List.of("/bin/sh", "-c", DEFAULT_INIT) : List.of(sleep, "infinity");
    } else if (problem.isEmpty()) {
      problem =
          ExecutableLookup.problem(
              HOST_ROOT, argv.get(0), environment.path(), workingDir, pod.missingCommands);
    }
    if (problem.isPresent()) {
      startFailed(pod, container, containerId, problem.get());
      return;
    }
    Process unshare;
    try {
      Path log = pod.logFile(workDir, container.name(), container.restartCount());
      Files.createDirectories(log.getParent());
      ProcessBuilder builder =
          new ProcessBuilder(commands.runAsInit(argv))
              .directory(new File(workingDir))
              .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
      builder.environment().clear();
      builder.environment().putAll(environment.all());
      unshare = builder.start();
    } catch (IOException e) {
      startFailed(pod, container, containerId, e.getMessage());
      return;
    }
    ContainerInstance instance =
        new ContainerInstance(containerId, unshare, environment, workingDir, clock.instant());
    container.current = instance;
    instances.add(instance);
    unshare
        .onExit()
        .thenRun(
            () -> {
              instances.remove(instance);
              onLoop(() -> instanceExited(pod, container, instance));
            });
    awaitInit(pod, container, instance);
  }

  /** The run never started: a StartError with exit code 128, as containerd reports it. */
  private void startFailed(
      PodRuntime pod, ContainerRuntime container, String containerId, String why) {
    String message = START_ERROR + why + ": unknown";
    containerEnded(pod, container, containerId, clock.instant(), 128, "StartError", message);
  }

  /**
   * Waits until unshare's child, PID 1, has left unshare's image for the container's command (its
   * /proc is mounted by then), then reports the container running.
   */
  private void awaitInit(PodRuntime pod, ContainerRuntime container, ContainerInstance instance) {
    if (container.current != instance || pod.removed || !instance.unshare.isAlive()) {
      return;
    }
    long unsharePid = instance.unshare.pid();
    OptionalLong child = LinuxProcesses.firstChild(unsharePid);
    if (child.isPresent()) {
      List<String> commandLine = LinuxProcesses.commandLine(child.getAsLong());
      Optional<ProcessHandle> init = ProcessHandle.of(child.getAsLong());
      if (!commandLine.isEmpty()
          && !commandLine.equals(LinuxProcesses.commandLine(unsharePid))
          && !commands.isCapabilityDrop(commandLine)
          && init.isPresent()) {
        if (!pod.missingCommands.isEmpty()) {
          shellHider.hide(commands, init.get().pid(), instance.environment.path());
        }
        instance.started(init.get(), clock.instant());
        container.running(instance);
        requestStatusWrite(pod);
        return;
      }
    }
    if (Duration.between(instance.createdAt, clock.instant()).compareTo(START_TIMEOUT) > 0) {
      LOG.warnf(
          "Container %s of pod %s did not start within %s",
          container.name(), pod.key(), START_TIMEOUT);
      instance.kill();
      return;
    }
    later(INIT_POLL, () -> awaitInit(pod, container, instance));
  }

  private void instanceExited(
      PodRuntime pod, ContainerRuntime container, ContainerInstance instance) {
    if (container.current != instance) {
      return;
    }
    container.current = null;
    if (pod.removed) {
      return;
    }
    int exitCode = instance.unshare.exitValue();
    containerEnded(
        pod,
        container,
        instance.containerId,
        instance.startedAt(),
        exitCode,
        exitCode == 0 ? "Completed" : "Error",
        null);
    finishHeldDeletion(pod);
  }

  private void containerEnded(
      PodRuntime pod,
      ContainerRuntime container,
      String containerId,
      Instant startedAt,
      int exitCode,
      String reason,
      String message) {
    Instant now = clock.instant();
    var terminated = container.ended(containerId, startedAt, now, exitCode, reason, message);
    if (pod.deleting || closed.get() || !pod.restartsAfter(exitCode)) {
      container.finished(terminated);
    } else {
      container.restarting(terminated);
      Duration delay = container.nextBackoff(Duration.between(startedAt, now));
      if (delay.isZero()) {
        startContainer(pod, container);
      } else {
        container.waitingFor(
            "CrashLoopBackOff",
            "back-off "
                + goDuration(delay)
                + " restarting failed container="
                + container.name()
                + " pod="
                + pod.name
                + "_"
                + pod.namespace
                + "("
                + pod.uid
                + ")");
        container.pendingStart = later(delay, () -> startContainer(pod, container));
      }
    }
    requestStatusWrite(pod);
  }

  private void requestStatusWrite(PodRuntime pod) {
    if (!pod.writeQueued && !pod.removed) {
      pod.writeQueued = true;
      onLoop(() -> writeStatus(pod));
    }
  }

  private void writeStatus(PodRuntime pod) {
    pod.writeQueued = false;
    if (pod.removed || closed.get()) {
      return;
    }
    PodStatus status =
        pod.nodeLost
            // Only the node lifecycle controller writes now: it turns the pod not Ready.
            ? PodStatusComposer.nodeLost(pod.lastStatus, clock.instant())
            : PodStatusComposer.compose(
                pod.containers().stream().map(ContainerRuntime::view).toList(),
                pod.startTime,
                pod.lastStatus,
                clock.instant());
    if (status == null) {
      return;
    }
    String json = serialization.asJson(status);
    if (json.equals(pod.lastStatusJson) && !pod.rewrite) {
      return;
    }
    try {
      Pod written =
          client
              .pods()
              .inNamespace(pod.namespace)
              .resource(
                  new PodBuilder()
                      .withNewMetadata()
                      .withNamespace(pod.namespace)
                      .withName(pod.name)
                      .withUid(pod.uid)
                      .endMetadata()
                      .withStatus(status)
                      .build())
              .updateStatus();
      pod.rewrite = false;
      pod.lastStatus = status;
      pod.lastStatusJson = json;
      pod.serverStatusJson = serialization.asJson(written.getStatus());
    } catch (KubernetesClientException e) {
      if (e.getCode() != 404 && !closed.get()) {
        // 404: the pod is gone and its delete event is on the way. Otherwise try again.
        LOG.debugf(e, "Writing the status of pod %s failed; retrying", pod.key());
        later(STATUS_RETRY, () -> requestStatusWrite(pod));
      }
    }
  }

  private Process startExec(
      ContainerInstance instance, ProcessHandle init, List<String> argv, String execId)
      throws ExecStartException {
    FifoPool.Pair pipes = fifos.take();
    Path stdout = pipes.stdout();
    Path stderr = pipes.stderr();
    Process nsenter = null;
    // Holding each FIFO open for reading and writing lets both of its ends open without blocking.
    try (RandomAccessFile holdOut = new RandomAccessFile(stdout.toFile(), "rw");
        RandomAccessFile holdErr = new RandomAccessFile(stderr.toFile(), "rw")) {
      ProcessBuilder builder =
          new ProcessBuilder(commands.enter(init.pid(), instance.workingDir, argv))
              .redirectOutput(stdout.toFile())
              .redirectError(stderr.toFile());
      builder.environment().clear();
      builder.environment().putAll(instance.environment.all());
      nsenter = builder.start();
      InputStream out = new FileInputStream(stdout.toFile());
      InputStream err = new FileInputStream(stderr.toFile());
      // Those that ended go as the next one comes: Process.onExit() would start a thread per
      // exec on a machine of two cores or fewer (CompletableFuture's async pool is then a thread
      // per task), and isAlive() is a field read.
      execs.removeIf(exec -> !exec.isAlive());
      execs.add(nsenter);
      String name = "sandbox-exec-" + execId.substring(0, 12);
      return new ExecProcess(
          nsenter,
          OutputRelay.pump(out, name + "-stdout"),
          OutputRelay.pump(err, name + "-stderr"));
    } catch (IOException e) {
      if (nsenter != null) {
        nsenter.destroyForcibly();
      }
      throw new ExecStartException("cannot start exec: " + e.getMessage());
    } finally {
      pipes.remove();
    }
  }

  private void onLoop(Runnable task) {
    try {
      loop.execute(() -> guarded(task));
    } catch (RejectedExecutionException e) {
      // Closing: nothing more to do.
    }
  }

  private ScheduledFuture<?> later(Duration delay, Runnable task) {
    try {
      return loop.schedule(() -> guarded(task), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      return null;
    }
  }

  private static void guarded(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.error("The sandbox node failed to handle an event", e);
    }
  }

  /** Waits for {@code process} to end and be reaped, until {@code deadline} (System.nanoTime). */
  private static boolean awaitExit(Process process, long deadline) {
    try {
      process.onExit().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException e) {
      return false;
    }
  }

  private static String workingDir(ContainerRuntime container) {
    String dir = container.spec.getWorkingDir();
    if (dir == null || dir.isEmpty()) {
      return "/";
    }
    return dir.startsWith("/") ? dir : "/" + dir;
  }

  private static List<String> listOf(List<String> list) {
    return list == null ? List.of() : list;
  }

  private String randomHex() {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    return java.util.HexFormat.of().formatHex(bytes);
  }

  /** A duration as Go prints it, as the kubelet's messages show it: 10s, 1m20s, 5m0s. */
  static String goDuration(Duration duration) {
    long seconds = duration.toSeconds();
    return seconds < 60 ? seconds + "s" : seconds / 60 + "m" + seconds % 60 + "s";
  }

  private static String loadScript(String name) {
    try (InputStream in = EmulatedNode.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("Missing resource " + name);
      }
      // The header comment documents the file; PID 1's command line needs only the code.
      return new String(in.readAllBytes(), StandardCharsets.UTF_8)
          .lines()
          .filter(line -> !line.startsWith("#"))
          .reduce((a, b) -> a + "\n" + b)
          .orElse("");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
