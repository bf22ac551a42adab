package dev.exectask.benchmark;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.api.v1alpha1.Phase;
import dev.exectask.scripts.InContainerScripts;
import dev.exectask.testing.HostProcess;
import dev.exectask.testing.TestPods;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The scale benchmark: the sandbox in cluster-only mode and the packaged operator, each its own
 * process, as a user runs them. For each size N it creates N ExecTasks through the API at a fixed
 * rate across a set of pods, each a shell that records on the host file system when it started and
 * then waits on a sleep and a loop printing a line every few seconds (grace period 0); deletes half
 * of them with one collection DELETE and lets the other half time out. Every latency is measured on
 * this host: a command's start by the file it writes, a process's end on /proc. It then creates
 * many pods bound to another node, which the operator has no task for, and shows what they cost it.
 * The CPU each task costs from its create until it is gone is split by process (the operator, the
 * sandbox, this JVM, and the rest of the host: the containers' processes), which says how many
 * tasks a second the machine can carry at all. Prints one table (and writes it to {@code
 * target/scale/results.txt}).
 *
 * <p>{@code ./mvnw -B -ntp -Pscale verify}; knobs: {@code -Dscale.sizes=100,1000}, {@code
 * -Dscale.unrelated-pods=10000}, {@code -Dscale.rate=100} (creates per second), {@code
 * -Dscale.pods=20}, {@code -Dscale.timeout-seconds=60}, {@code -Dscale.print-seconds=30}, {@code
 * -Dscale.operator-jvm="..."} (the operator's JVM flags), {@code -Dscale.jfr=true} (a flight
 * recording of each JVM in {@code target/scale/}).
 */
class ScaleBenchmarkIT {

  static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
  static final Path DIR = Path.of("target/scale").toAbsolutePath();

  static final Path DOCKERFILE = Path.of("src/main/docker/Dockerfile.jvm");

  static final String END_LABEL = "scale.exectask.dev/end";
  static final long CLOCK_TICKS = 100;

  final List<Integer> sizes =
      Arrays.stream(System.getProperty("scale.sizes", "100,1000").split(","))
          .map(String::trim)
          .map(Integer::parseInt)
          .toList();
  final int unrelatedPods = Integer.getInteger("scale.unrelated-pods", 10_000);
  final int rate = Integer.getInteger("scale.rate", 100);
  final int podCount = Integer.getInteger("scale.pods", 20);
  final long timeoutSeconds = Long.getLong("scale.timeout-seconds", 60);

  /** Each command prints a line this often, so that its progress keeps changing. */
  final long printSeconds = Long.getLong("scale.print-seconds", 30);

  final String operatorJvm = System.getProperty("scale.operator-jvm", containerJvmFlags());
  final boolean jfr = Boolean.getBoolean("scale.jfr");

  Process sandbox;
  Process operator;
  KubernetesClient client;

  @AfterEach
  void stop() throws InterruptedException {
    if (client != null) {
      client.close();
    }
    for (Process p : new Process[] {operator, sandbox}) {
      if (p != null && p.isAlive()) {
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
          p.destroyForcibly().waitFor();
        }
      }
    }
  }

  @Test
  void oneOperatorHoldsThousandsOfTasks() throws Exception {
    assumeTrue(Files.exists(JAR), "the operator jar is built by `package`; run this with verify");
    Files.createDirectories(DIR);
    Path cluster = DIR.resolve("cluster");
    sandbox =
        launch(
            List.of(
                "-jar",
                JAR.toAbsolutePath().toString(),
                "--sandbox",
                "--no-operator",
                "--sandbox-dir",
                cluster.toString()),
            jfr ? "sandbox" : null,
            Map.of(),
            DIR.resolve("sandbox.log"));
    Path kubeconfig = awaitKubeconfig(DIR.resolve("sandbox.log"));
    Config config = Config.fromKubeconfig(Files.readString(kubeconfig));
    // kubectl waits for an answer as long as it takes; so does the benchmark, which times it.
    config.setRequestTimeout((int) Duration.ofMinutes(5).toMillis());
    client = new KubernetesClientBuilder().withConfig(config).build();
    List<String> operatorArgs = new ArrayList<>();
    operatorArgs.addAll(Arrays.asList(operatorJvm.trim().split("\\s+")));
    operatorArgs.addAll(
        List.of(
            "-Dexectask.leader-election.enabled=false",
            "-Dquarkus.http.port=0",
            "-jar",
            JAR.toAbsolutePath().toString()));
    operator =
        launch(
            operatorArgs,
            jfr ? "operator" : null,
            Map.of("KUBECONFIG", kubeconfig.toString()),
            DIR.resolve("operator.log"));

    Table table = new Table();
    table.note(
        "operator JVM: "
            + operatorJvm
            + "; "
            + Runtime.getRuntime().availableProcessors()
            + " cores; load average at start "
            + loadAverage());
    warmUp();
    Usage idle = Usage.over(Duration.ofSeconds(10), operator, sandbox, () -> 0);
    table.row("operator, no task: RSS MiB / CPU % of a core", idle.rss() + " / " + idle.cpu());

    List<Result> results = new ArrayList<>();
    for (int n : sizes) {
      results.add(run(n));
    }
    for (Result r : results) {
      r.into(table);
    }
    if (unrelatedPods > 0) {
      unrelated(table);
    }
    table.note("load average at end " + loadAverage());
    String text = table.render();
    System.out.println(text);
    Files.writeString(DIR.resolve("results.txt"), text);
    for (Result r : results) {
      assertEquals(
          r.n - r.n / 2, r.timingOutStarted, "N=" + r.n + ": commands left to time out that ran");
      assertEquals(0, r.left, "N=" + r.n + ": processes left behind");
      assertEquals(r.n / 2, r.deleteObjects.size(), "N=" + r.n + ": deleted tasks gone");
      assertEquals(r.n - r.n / 2, r.timedOut, "N=" + r.n + ": tasks TimedOut");
    }
  }

  /** One task through its whole life, so both JVMs have loaded what they run. */
  void warmUp() throws IOException {
    String ns = "scale-warmup";
    namespace(ns);
    pods(ns, 1);
    ExecTask task = task(ns, "warmup", "p0", List.of("true"), 60);
    client.resource(task).create();
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> phase(ns, "warmup") == Phase.Succeeded);
  }

  Result run(int n) throws Exception {
    String ns = "scale-" + n;
    Path starts = DIR.resolve("starts-" + n);
    Files.createDirectories(starts);
    try (var old = Files.list(starts)) {
      for (Path p : old.toList()) {
        Files.delete(p);
      }
    }
    namespace(ns);
    pods(ns, podCount);
    Result result = new Result(n);
    Throwable failure = null;

    // Progress writes: MODIFIED events of tasks already seen running, so that the write that
    // starts a task (and the finalizer's before it) is not counted.
    AtomicInteger modified = new AtomicInteger();
    Set<String> running = ConcurrentHashMap.newKeySet();
    Map<String, Instant> objectGone = new ConcurrentHashMap<>();
    Watch watch =
        client
            .resources(ExecTask.class)
            .inNamespace(ns)
            .watch(
                new Watcher<>() {
                  @Override
                  public void eventReceived(Action action, ExecTask t) {
                    if (action == Action.MODIFIED) {
                      boolean started =
                          t.getStatus() != null && t.getStatus().getStartTime() != null;
                      if (started && !running.add(t.getMetadata().getName())) {
                        modified.incrementAndGet();
                      }
                    } else if (action == Action.DELETED) {
                      objectGone.put(t.getMetadata().getName(), Instant.now());
                    }
                  }

                  @Override
                  public void onClose(WatcherException cause) {}
                });
    GoneWatch goneWatch = null;
    try {
      Ticks atStart = Ticks.now(operator, sandbox);
      // Creates at a fixed rate; a slow answer does not hold back the next create.
      Map<String, Instant> sent = new ConcurrentHashMap<>();
      ExecutorService creators = Executors.newFixedThreadPool(16);
      List<Future<?>> creates = new ArrayList<>();
      long begin = System.nanoTime();
      for (int i = 0; i < n; i++) {
        long due = begin + i * 1_000_000_000L / rate;
        long wait = due - System.nanoTime();
        if (wait > 0) {
          TimeUnit.NANOSECONDS.sleep(wait);
        }
        String name = "t" + i;
        boolean deleted = i % 2 == 0;
        ExecTask task =
            task(
                ns,
                name,
                "p" + (i % podCount),
                List.of(
                    "sh",
                    "-c",
                    ": > \"$0\"; while :; do echo tick; sleep \"$1\"; done & sleep 300 & wait",
                    starts.resolve(name).toString(),
                    Long.toString(printSeconds)),
                deleted ? 3600 : timeoutSeconds);
        task.getMetadata().setLabels(Map.of(END_LABEL, deleted ? "delete" : "timeout"));
        creates.add(
            creators.submit(
                () -> {
                  sent.put(name, Instant.now());
                  client.resource(task).create();
                }));
      }
      for (Future<?> f : creates) {
        f.get();
      }
      creators.shutdown();
      result.createSeconds = (System.nanoTime() - begin) / 1e9;

      // Every command starts well before the first deadline while the host keeps up; the wait ends
      // 15 s before it either way, and the starts still queued are measured when they come.
      Instant firstDeadline = sent.get("t1").plusSeconds(timeoutSeconds);
      await()
          .atMost(Duration.ofSeconds(Math.max(5, timeoutSeconds - 20)))
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptions()
          .until(
              () ->
                  fileCount(starts) == n || Instant.now().isAfter(firstDeadline.minusSeconds(15)));

      // Which host processes belong to which task: those running now, and those that start later.
      Map<String, String> uids = new HashMap<>();
      for (ExecTask t : client.resources(ExecTask.class).inNamespace(ns).list().getItems()) {
        uids.put(t.getMetadata().getName(), t.getMetadata().getUid());
      }
      goneWatch = new GoneWatch(markers(uids));

      // The steady state: N commands running, nothing due.
      Duration window =
          Duration.ofSeconds(
              Math.max(
                  2,
                  Math.min(10, Duration.between(Instant.now(), firstDeadline).toSeconds() - 20)));
      modified.set(0);
      Usage steady = Usage.over(window, operator, sandbox, modified::get);
      result.steady = steady;

      Files.deleteIfExists(DIR.resolve("slowest-" + n));
      // Half at once, by one collection DELETE.
      List<String> toDelete = names(n, true);
      List<String> timingOut = names(n, false);
      Instant deletedAt = Instant.now();
      client.resources(ExecTask.class).inNamespace(ns).withLabel(END_LABEL, "delete").delete();
      result.deleteCallMillis = millis(deletedAt, Instant.now());
      // A deleted task whose command never ran is done once its object is gone.
      Map<String, Instant> deleteGone =
          goneWatch.await(toDelete, Duration.ofSeconds(60), objectGone::containsKey);
      for (String name : toDelete) {
        Optional.ofNullable(deleteGone.get(name))
            .ifPresent(at -> result.deleteProcesses.add(millis(deletedAt, at)));
      }
      slowest(
          "deleted", toDelete, deleteGone, name -> deletedAt, uids, DIR.resolve("slowest-" + n));
      waitUntil(Duration.ofSeconds(60), () -> toDelete.stream().allMatch(objectGone::containsKey));
      for (String name : toDelete) {
        Optional.ofNullable(objectGone.get(name))
            .ifPresent(at -> result.deleteObjects.add(millis(deletedAt, at)));
      }

      // The other half, at their deadlines: each counts from its start as the status records it.
      Map<String, Instant> timeoutGone =
          goneWatch.await(timingOut, Duration.ofSeconds(timeoutSeconds + 90), name -> false);
      waitUntil(Duration.ofSeconds(60), () -> timedOut(ns) == timingOut.size());
      Map<String, Instant> deadlines = new HashMap<>();
      for (ExecTask t : client.resources(ExecTask.class).inNamespace(ns).list().getItems()) {
        if (t.getStatus() != null && t.getStatus().getStartTime() != null) {
          deadlines.put(
              t.getMetadata().getName(),
              Instant.parse(t.getStatus().getStartTime())
                  .plusSeconds(t.getSpec().getTimeoutSeconds()));
        }
      }
      for (String name : timingOut) {
        Instant gone = timeoutGone.get(name);
        Instant deadline = deadlines.get(name);
        if (gone != null && deadline != null) {
          result.deadlineLate.add(millis(deadline, gone));
        }
      }
      slowest(
          "timed out", timingOut, timeoutGone, deadlines::get, uids, DIR.resolve("slowest-" + n));
      result.timedOut = timedOut(ns);

      // Every command that ever started, the late ones too.
      for (int i = 0; i < n; i++) {
        String name = "t" + i;
        Path file = starts.resolve(name);
        if (Files.exists(file)) {
          Instant at = Files.getLastModifiedTime(file).toInstant();
          result.started.add(Duration.between(sent.get(name), at).toNanos() / 1e6);
          if (i % 2 != 0) {
            result.timingOutStarted++;
          }
        }
      }
      result.perTask = Ticks.now(operator, sandbox).minus(atStart);
      result.rssAfter = Usage.rssMiB(operator);
      result.left = trees(uids).values().stream().mapToInt(List::size).sum();
    } catch (Exception | AssertionError e) {
      failure = e;
      throw e;
    } finally {
      watch.close();
      if (goneWatch != null) {
        goneWatch.close();
      }
      try {
        client.resources(ExecTask.class).inNamespace(ns).delete();
      } catch (RuntimeException e) {
        if (failure == null) {
          throw e;
        }
        failure.addSuppressed(e);
      }
    }
    return result;
  }

  /** Creates pods bound to another node, which no task targets, and shows what they cost. */
  void unrelated(Table table) throws Exception {
    String ns = "scale-unrelated";
    namespace(ns);
    Usage before = Usage.over(Duration.ofSeconds(5), operator, sandbox, () -> 0);
    ExecutorService creators = Executors.newFixedThreadPool(8);
    long begin = System.nanoTime();
    List<Future<?>> creates = new ArrayList<>();
    for (int i = 0; i < unrelatedPods; i++) {
      Pod pod = TestPods.pod("u" + i, ns, Map.of("app", "unrelated"));
      pod.getSpec().setNodeName("node-elsewhere");
      creates.add(creators.submit(() -> client.resource(pod).create()));
    }
    for (Future<?> f : creates) {
      f.get();
    }
    creators.shutdown();
    double seconds = (System.nanoTime() - begin) / 1e9;
    // Long enough for the operator's pod informer to have seen them all.
    Usage after = Usage.over(Duration.ofSeconds(15), operator, sandbox, () -> 0);
    table.row(
        String.format(
            Locale.ROOT, "%,d unrelated pods (created in %.0f s)", unrelatedPods, seconds),
        "operator RSS "
            + before.rss()
            + " -> "
            + after.rss()
            + String.format(Locale.ROOT, " MiB (%+d", after.rssMiB - before.rssMiB)
            + "; target <= +50)");
  }

  /** The marker each task's processes carry in their environment, to the task's name. */
  static Map<String, String> markers(Map<String, String> uids) {
    Map<String, String> byMarker = new HashMap<>();
    uids.forEach((name, uid) -> byMarker.put(InContainerScripts.MARKER_ENV + "=" + uid, name));
    return byMarker;
  }

  static Map<String, List<HostProcess>> trees(Map<String, String> uids) {
    Map<String, String> byMarker = markers(uids);
    Map<String, List<HostProcess>> trees = new HashMap<>();
    for (HostProcess p : HostProcess.all()) {
      String name = task(p, byMarker);
      if (name != null) {
        trees.computeIfAbsent(name, k -> new ArrayList<>()).add(p);
      }
    }
    return trees;
  }

  /** The task whose marker the process carries, or null. */
  static String task(HostProcess p, Map<String, String> byMarker) {
    for (String env : p.environ()) {
      String name = byMarker.get(env);
      if (name != null) {
        return name;
      }
    }
    return null;
  }

  /**
   * Appends the ten tasks gone last (name, uid, ms from their due time; "never" for those not gone)
   * to {@code file}: the uids to look for in the sandbox's audit log and the operator's log.
   */
  static void slowest(
      String what,
      List<String> names,
      Map<String, Instant> gone,
      java.util.function.Function<String, Instant> due,
      Map<String, String> uids,
      Path file)
      throws IOException {
    StringBuilder text = new StringBuilder(what + ", gone last:\n");
    names.stream()
        .filter(name -> due.apply(name) != null)
        .sorted(
            java.util.Comparator.comparing(
                    (String name) ->
                        gone.containsKey(name)
                            ? Duration.between(due.apply(name), gone.get(name))
                            : Duration.ofDays(1))
                .reversed())
        .limit(10)
        .forEach(
            name ->
                text.append(name)
                    .append(' ')
                    .append(uids.get(name))
                    .append(' ')
                    .append(
                        gone.containsKey(name)
                            ? (long) millis(due.apply(name), gone.get(name)) + " ms"
                            : "never")
                    .append('\n'));
    Files.writeString(
        file,
        text.toString(),
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
  }

  /**
   * When the last process of each task ended, polled on /proc every 20 ms until {@link #close()},
   * for every task at once: a task is gone once it has run and none of the processes found for it
   * lives on (a PID taken again by another process does not count: its start time differs). The
   * processes started since the last look are matched to tasks every 200 ms while some task has not
   * been seen running, so a command that starts late (the starts queue on a saturated host) is
   * measured from its own processes instead of passing for gone. One poller for both halves, so a
   * deadline enforced while the deletes are still being waited for is seen when it happens.
   */
  static final class GoneWatch implements AutoCloseable {
    private static final int LOOKS_PER_DISCOVERY = 10;
    private final Map<String, Instant> gone = new ConcurrentHashMap<>();
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final Set<String> endedUnrun = ConcurrentHashMap.newKeySet();
    private final Thread poller;

    GoneWatch(Map<String, String> byMarker) {
      Map<String, List<HostProcess>> pending = new HashMap<>();
      byMarker.values().forEach(name -> pending.put(name, new ArrayList<>()));
      Set<Long> looked = new HashSet<>();
      discover(byMarker, pending, looked);
      poller =
          new Thread(
              () -> {
                int round = 0;
                while (!pending.isEmpty() && !Thread.currentThread().isInterrupted()) {
                  if (++round % LOOKS_PER_DISCOVERY == 0
                      && seen.size() + endedUnrun.size() < byMarker.size()) {
                    discover(byMarker, pending, looked);
                  }
                  Instant now = Instant.now();
                  for (var it = pending.entrySet().iterator(); it.hasNext(); ) {
                    var entry = it.next();
                    // One look per task while its first process lives: the poll stays cheap.
                    List<HostProcess> left = entry.getValue();
                    if (left.isEmpty()) {
                      continue;
                    }
                    while (!left.isEmpty() && !alive(left.get(0))) {
                      left.remove(0);
                    }
                    if (left.isEmpty()) {
                      gone.put(entry.getKey(), now);
                      it.remove();
                    }
                  }
                  try {
                    TimeUnit.MILLISECONDS.sleep(20);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "gone-watch");
      poller.setDaemon(true);
      poller.start();
    }

    /** Adds the processes not looked at before to the tasks whose marker they carry. */
    private void discover(
        Map<String, String> byMarker, Map<String, List<HostProcess>> pending, Set<Long> looked) {
      for (HostProcess p : HostProcess.all()) {
        if (!looked.add(p.pid())) {
          continue;
        }
        String name = task(p, byMarker);
        List<HostProcess> tree = name == null ? null : pending.get(name);
        if (tree != null) {
          tree.add(p);
          seen.add(name);
        }
      }
    }

    /**
     * When each of these tasks was gone, waiting at most the limit for each to be gone or, if it
     * never ran, to have ended without running.
     */
    Map<String, Instant> await(List<String> names, Duration limit, Predicate<String> unrun)
        throws InterruptedException {
      waitUntil(
          limit,
          () ->
              names.stream()
                  .allMatch(
                      name ->
                          gone.containsKey(name) || (!seen.contains(name) && unrun.test(name))));
      Map<String, Instant> these = new HashMap<>();
      for (String name : names) {
        Optional.ofNullable(gone.get(name)).ifPresent(at -> these.put(name, at));
        if (!seen.contains(name) && unrun.test(name)) {
          // Nothing of it can start any more: the processes of the others are all that is looked
          // for.
          endedUnrun.add(name);
        }
      }
      return these;
    }

    @Override
    public void close() {
      poller.interrupt();
    }
  }

  /** Waits for the condition, polling every 500 ms; false if it still fails after the limit. */
  static boolean waitUntil(Duration limit, java.util.function.BooleanSupplier condition)
      throws InterruptedException {
    long end = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < end) {
      try {
        if (condition.getAsBoolean()) {
          return true;
        }
      } catch (RuntimeException retry) {
        // e.g. a timeout of the API under load: ask again
      }
      TimeUnit.MILLISECONDS.sleep(500);
    }
    return false;
  }

  /** How many of the namespace's timing-out tasks are TimedOut, from one list. */
  int timedOut(String ns) {
    return (int)
        client
            .resources(ExecTask.class)
            .inNamespace(ns)
            .withLabel(END_LABEL, "timeout")
            .list()
            .getItems()
            .stream()
            .filter(t -> t.getStatus() != null && t.getStatus().getPhase() == Phase.TimedOut)
            .count();
  }

  /** Whether the process still lives with the start time it was found with. */
  static boolean alive(HostProcess p) {
    return HostProcess.liveStartTime(p.pid()).orElse(-1) == p.startTime();
  }

  static List<String> names(int n, boolean deleted) {
    return IntStream.range(0, n)
        .filter(i -> (i % 2 == 0) == deleted)
        .mapToObj(i -> "t" + i)
        .toList();
  }

  static double millis(Instant from, Instant to) {
    return Duration.between(from, to).toNanos() / 1e6;
  }

  static long fileCount(Path dir) throws IOException {
    try (var files = Files.list(dir)) {
      return files.count();
    }
  }

  Phase phase(String ns, String name) {
    ExecTask t = client.resources(ExecTask.class).inNamespace(ns).withName(name).get();
    return t == null || t.getStatus() == null ? null : t.getStatus().getPhase();
  }

  void namespace(String ns) {
    client
        .namespaces()
        .resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build())
        .create();
  }

  void pods(String ns, int count) {
    for (int i = 0; i < count; i++) {
      client.pods().inNamespace(ns).resource(TestPods.pod("p" + i)).create();
    }
    for (int i = 0; i < count; i++) {
      client
          .pods()
          .inNamespace(ns)
          .withName("p" + i)
          .waitUntilCondition(TestPods::isReady, 60, TimeUnit.SECONDS);
    }
  }

  static ExecTask task(String ns, String name, String pod, List<String> command, long timeout) {
    ExecTask task = new ExecTask();
    task.getMetadata().setName(name);
    task.getMetadata().setNamespace(ns);
    ExecTaskSpec spec = new ExecTaskSpec();
    spec.setPodName(pod);
    spec.setContainer("main");
    spec.setCommand(command);
    spec.setTimeoutSeconds(timeout);
    spec.setTerminationGracePeriodSeconds(0L);
    task.setSpec(spec);
    return task;
  }

  Process launch(List<String> args, String recording, Map<String, String> env, Path log)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    if (recording != null) {
      command.add("-XX:FlightRecorderOptions=stackdepth=160");
      command.add(
          "-XX:StartFlightRecording=settings=profile,filename=" + DIR.resolve(recording + ".jfr"));
    }
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    pb.redirectErrorStream(true);
    pb.redirectOutput(log.toFile());
    return pb.start();
  }

  Path awaitKubeconfig(Path log) {
    String[] line = new String[1];
    await()
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              if (!sandbox.isAlive()) {
                throw new IllegalStateException(
                    "the sandbox ended: " + Files.readString(log, StandardCharsets.UTF_8));
              }
              line[0] =
                  Files.readAllLines(log, StandardCharsets.UTF_8).stream()
                      .filter(l -> l.startsWith("export KUBECONFIG="))
                      .findFirst()
                      .orElse(null);
              return line[0] != null;
            });
    return Path.of(line[0].substring("export KUBECONFIG=".length()).trim());
  }

  /** The JVM flags the operator's image runs with: JAVA_OPTS_APPEND of the Dockerfile. */
  static String containerJvmFlags() {
    try {
      for (String line : Files.readAllLines(DOCKERFILE)) {
        if (line.startsWith("ENV JAVA_OPTS_APPEND=")) {
          return line.substring(line.indexOf('"') + 1, line.lastIndexOf('"'));
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    throw new IllegalStateException(DOCKERFILE + " sets no JAVA_OPTS_APPEND");
  }

  static String loadAverage() {
    try {
      return String.join(
          " ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).split(" "), 3));
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Percentiles of latencies in milliseconds. */
  static String percentiles(List<Double> values) {
    if (values.isEmpty()) {
      return "none";
    }
    double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return String.format(
        Locale.ROOT,
        "%.0f / %.0f / %.0f",
        at(sorted, 0.50),
        at(sorted, 0.99),
        sorted[sorted.length - 1]);
  }

  static double at(double[] sorted, double quantile) {
    int index = (int) Math.ceil(quantile * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
  }

  /** What the operator and the sandbox used over a window, from /proc/PID. */
  record Usage(long rssMiB, double operatorCpu, double sandboxCpu, double writesPerSecond) {

    static Usage over(
        Duration window, Process operator, Process sandbox, java.util.function.IntSupplier events)
        throws InterruptedException {
      long op = cpuTicks(operator);
      long sb = cpuTicks(sandbox);
      int before = events.getAsInt();
      long begin = System.nanoTime();
      long rss = 0;
      long end = begin + window.toNanos();
      while (System.nanoTime() < end) {
        rss = Math.max(rss, rssMiB(operator));
        TimeUnit.MILLISECONDS.sleep(500);
      }
      double seconds = (System.nanoTime() - begin) / 1e9;
      return new Usage(
          rss,
          100.0 * (cpuTicks(operator) - op) / CLOCK_TICKS / seconds,
          100.0 * (cpuTicks(sandbox) - sb) / CLOCK_TICKS / seconds,
          (events.getAsInt() - before) / seconds);
    }

    String rss() {
      return Long.toString(rssMiB);
    }

    String cpu() {
      return String.format(Locale.ROOT, "%.1f", operatorCpu);
    }

    static long cpuTicks(Process process) {
      return cpuTicks(process.pid());
    }

    static long cpuTicks(long pid) {
      try {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      } catch (IOException e) {
        return 0;
      }
    }

    static long rssMiB(Process process) {
      try {
        for (String line :
            Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
          if (line.startsWith("VmRSS:")) {
            return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
          }
        }
      } catch (IOException e) {
        // gone
      }
      return 0;
    }
  }

  /**
   * CPU time, in clock ticks, of the whole host (every process: /proc/stat, idle and iowait left
   * out), the operator, the sandbox and this benchmark's own JVM.
   */
  record Ticks(long host, long operator, long sandbox, long benchmark) {

    static Ticks now(Process operator, Process sandbox) {
      long host = 0;
      try {
        String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
        // user nice system idle iowait irq softirq steal
        for (int field : new int[] {1, 2, 3, 6, 7, 8}) {
          host += Long.parseLong(cpu[field]);
        }
      } catch (IOException | RuntimeException e) {
        host = 0;
      }
      return new Ticks(
          host,
          Usage.cpuTicks(operator),
          Usage.cpuTicks(sandbox),
          Usage.cpuTicks(ProcessHandle.current().pid()));
    }

    Ticks minus(Ticks earlier) {
      return new Ticks(
          host - earlier.host,
          operator - earlier.operator,
          sandbox - earlier.sandbox,
          benchmark - earlier.benchmark);
    }

    /** Milliseconds of CPU per task for {@code n} tasks. */
    String perTask(int n) {
      double ms = 1000.0 / CLOCK_TICKS / n;
      long rest = host - operator - sandbox - benchmark;
      double all = host * ms;
      return String.format(
          Locale.ROOT,
          "%.0f / %.0f / %.0f / %.0f / %.0f   (%d cores sustain ~%.0f tasks/s at this cost)",
          all,
          operator * ms,
          sandbox * ms,
          benchmark * ms,
          rest * ms,
          Runtime.getRuntime().availableProcessors(),
          all > 0 ? Runtime.getRuntime().availableProcessors() * 1000.0 / all : 0);
    }
  }

  /** The figures of one size. */
  static final class Result {
    final int n;
    final List<Double> started = new ArrayList<>();
    final List<Double> deleteProcesses = new ArrayList<>();
    final List<Double> deleteObjects = new ArrayList<>();
    final List<Double> deadlineLate = new ArrayList<>();
    double createSeconds;
    double deleteCallMillis;
    Usage steady;
    Ticks perTask;
    long rssAfter;
    int left;
    int timedOut;
    int timingOutStarted;

    Result(int n) {
      this.n = n;
    }

    /**
     * " of HALF" when some of a half's tasks are missing from a row: gone only after the wait (the
     * max is then at least the wait) or, for deletes, deleted before their command ran.
     */
    private String of(List<Double> measured) {
      return measured.size() < n / 2 ? " of " + n / 2 : "";
    }

    private static void latencies(
        Table table, String what, List<Double> millis, String counted, String target) {
      table.row(
          what + " p50/p99/max ms (" + millis.size() + counted + ")",
          percentiles(millis) + "   (target " + target + ")");
    }

    void into(Table table) {
      String at = "N=" + n + ": ";
      table.row(at + "created in (s)", String.format(Locale.ROOT, "%.1f", createSeconds));
      int unrun = n - started.size();
      latencies(
          table,
          at + "create-to-started",
          started,
          " started" + (unrun > 0 ? "; " + unrun + " deleted before they ran" : ""),
          "p99 <= 500, max <= 1000");
      latencies(
          table,
          at + "deadline-to-gone",
          deadlineLate,
          of(deadlineLate),
          "p99 <= 500, max <= 1000");
      table.row(
          at + "collection DELETE answered in (ms)",
          String.format(Locale.ROOT, "%.0f", deleteCallMillis));
      latencies(
          table,
          at + "delete-to-processes-gone",
          deleteProcesses,
          of(deleteProcesses) + (unrun > 0 ? "; " + unrun + " never ran" : ""),
          "max <= 2000");
      latencies(
          table, at + "delete-to-objects-gone", deleteObjects, of(deleteObjects), "max <= 5000");
      table.row(at + "processes left", left + "   (target 0)");
      table.row(at + "tasks TimedOut in status", timedOut + " of " + n / 2);
      table.row(
          at + "operator RSS MiB while N run / after",
          steady.rss() + " / " + rssAfter + "   (target <= 300)");
      table.row(
          at + "CPU % of a core while N run: operator / sandbox",
          steady.cpu()
              + " / "
              + String.format(Locale.ROOT, "%.1f", steady.sandboxCpu())
              + "   (target operator <= 2)");
      if (perTask != null) {
        table.row(
            at + "CPU ms per task, create to gone: host / operator / sandbox / benchmark / rest",
            perTask.perTask(n));
      }
      table.row(
          at + "status writes per second to running tasks",
          String.format(Locale.ROOT, "%.1f", steady.writesPerSecond()) + "   (bound 20)");
    }
  }

  /** Two columns, aligned, with notes under them. */
  static final class Table {
    final List<String[]> rows = new ArrayList<>();
    final List<String> notes = new ArrayList<>();

    void row(String what, String value) {
      rows.add(new String[] {what, value});
    }

    void note(String note) {
      notes.add(note);
    }

    String render() {
      int width = rows.stream().mapToInt(r -> r[0].length()).max().orElse(0);
      StringBuilder out = new StringBuilder("\nExecTask scale benchmark\n");
      for (String[] r : rows) {
        out.append(String.format(Locale.ROOT, "%-" + width + "s  %s%n", r[0], r[1]));
      }
      notes.forEach(n -> out.append(n).append('\n'));
      return out.toString();
    }
  }
}
