package dev.exectask.sandbox;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.api.v1alpha1.ExecTaskStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientTimeoutException;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * {@code --demo}: one pod and three tasks that show what the operator is for (one succeeds, one
 * times out with a tree of processes, one is deleted while running), each reported in one line.
 */
final class SandboxDemo {

  static final String NAMESPACE = "default";
  static final String POD = "demo";
  static final String CONTAINER = "main";
  private static final long WAIT_SECONDS = 60;
  private static final String TREE = "sleep 300 & sleep 300 & wait";

  private final Sandbox sandbox;
  private final KubernetesClient client;
  private final PrintStream out;

  SandboxDemo(Sandbox sandbox, PrintStream out) {
    this.sandbox = sandbox;
    this.client = sandbox.client();
    this.out = out;
  }

  void run() {
    try {
      startPod();
      succeeds();
      timesOut();
      deletedWhileRunning();
    } catch (RuntimeException e) {
      out.println("demo: stopped: " + e.getMessage());
    }
    out.flush();
  }

  private void startPod() {
    client
        .pods()
        .inNamespace(NAMESPACE)
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(POD)
                .endMetadata()
                .withNewSpec()
                .addNewContainer()
                .withName(CONTAINER)
                .withImage("busybox")
                .endContainer()
                .endSpec()
                .build())
        .serverSideApply();
    try {
      client
          .pods()
          .inNamespace(NAMESPACE)
          .withName(POD)
          .waitUntilCondition(SandboxDemo::ready, WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (KubernetesClientTimeoutException e) {
      throw new IllegalStateException(
          "pod " + POD + " did not become Ready within " + WAIT_SECONDS + "s");
    }
  }

  private void succeeds() {
    ExecTask task = task("demo-hello", List.of("sh", "-c", "echo hello from the demo pod"), null);
    report(task.getMetadata().getName(), awaitTerminal(task));
  }

  private void timesOut() {
    ExecTask task = task("demo-timeout", List.of("sh", "-c", TREE), 3L);
    report(task.getMetadata().getName(), awaitTerminal(task));
  }

  private void deletedWhileRunning() {
    Set<Long> before = sandbox.hostPids(NAMESPACE, POD, CONTAINER);
    ExecTask task = task("demo-deleted", List.of("sh", "-c", TREE), null);
    String name = task.getMetadata().getName();
    Optional<ExecTask> running =
        await(task, t -> t == null || phase(t).equals("Running") || terminal(t));
    if (running.isEmpty() || !phase(running.get()).equals("Running")) {
      out.println(
          "demo task "
              + name
              + ": did not reach Running within "
              + WAIT_SECONDS
              + "s (phase "
              + running.map(SandboxDemo::phase).orElse("unknown")
              + ")");
      return;
    }
    Set<Long> taskPids = newProcesses(before);
    resource(name).delete();
    try {
      resource(name).waitUntilCondition(t -> t == null, WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (KubernetesClientTimeoutException e) {
      out.println(
          "demo task "
              + name
              + ": still there "
              + WAIT_SECONDS
              + "s after it was deleted"
              + " (the operator holds its finalizer until the processes are gone)");
      return;
    }
    Set<Long> left = new HashSet<>(sandbox.hostPids(NAMESPACE, POD, CONTAINER));
    left.retainAll(taskPids);
    out.println(
        "demo task "
            + name
            + ": deleted while Running; "
            + (left.isEmpty()
                ? "its " + taskPids.size() + " processes are gone from the host"
                : left.size() + " of its processes are still alive: " + left));
  }

  /** The processes started in the container since {@code before}: the task's tree. */
  private Set<Long> newProcesses(Set<Long> before) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    Set<Long> started = new HashSet<>();
    // "Running" is written once the exec started; its processes appear a moment later.
    while (started.size() < 3 && System.nanoTime() < deadline) {
      started = new HashSet<>(sandbox.hostPids(NAMESPACE, POD, CONTAINER));
      started.removeAll(before);
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return started;
  }

  private ExecTask task(String name, List<String> command, Long timeoutSeconds) {
    ExecTask task = new ExecTask();
    task.getMetadata().setName(name);
    task.getMetadata().setNamespace(NAMESPACE);
    ExecTaskSpec spec = new ExecTaskSpec();
    spec.setPodName(POD);
    spec.setCommand(command);
    spec.setTimeoutSeconds(timeoutSeconds);
    if (timeoutSeconds != null) {
      spec.setTerminationGracePeriodSeconds(2L);
    }
    task.setSpec(spec);
    Resource<ExecTask> existing = resource(name);
    if (existing.get() != null) {
      existing.withTimeout(WAIT_SECONDS, TimeUnit.SECONDS).delete();
    }
    return client.resource(task).create();
  }

  private Optional<ExecTask> awaitTerminal(ExecTask task) {
    return await(task, t -> t == null || terminal(t));
  }

  private Optional<ExecTask> await(ExecTask task, Predicate<ExecTask> condition) {
    try {
      return Optional.ofNullable(
          resource(task.getMetadata().getName())
              .waitUntilCondition(condition, WAIT_SECONDS, TimeUnit.SECONDS));
    } catch (KubernetesClientTimeoutException e) {
      return Optional.ofNullable(resource(task.getMetadata().getName()).get());
    }
  }

  private void report(String name, Optional<ExecTask> ended) {
    if (ended.isEmpty()) {
      out.println("demo task " + name + ": disappeared before it ended");
    } else if (!terminal(ended.get())) {
      out.println(
          "demo task "
              + name
              + ": did not end within "
              + WAIT_SECONDS
              + "s (phase "
              + phase(ended.get())
              + "); is the operator reconciling?");
    } else {
      ExecTaskStatus status = ended.get().getStatus();
      out.println(
          "demo task "
              + name
              + ": "
              + status.getPhase()
              + " ("
              + status.getReason()
              + ")"
              + ", exit code "
              + (status.getExitCode() == null ? "none" : status.getExitCode())
              + ", killed processes "
              + (status.getKilledProcesses() == null ? 0 : status.getKilledProcesses()));
    }
  }

  private Resource<ExecTask> resource(String name) {
    return client.resources(ExecTask.class).inNamespace(NAMESPACE).withName(name);
  }

  private static boolean terminal(ExecTask task) {
    return task.getStatus() != null
        && task.getStatus().getPhase() != null
        && task.getStatus().getPhase().isTerminal();
  }

  private static String phase(ExecTask task) {
    return task.getStatus() == null || task.getStatus().getPhase() == null
        ? "Pending"
        : task.getStatus().getPhase().name();
  }

  private static boolean ready(Pod pod) {
    return pod != null
        && pod.getStatus() != null
        && pod.getStatus().getConditions() != null
        && pod.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
