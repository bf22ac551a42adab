package dev.exectask.exec;

import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.api.v1alpha1.Reasons;
import dev.exectask.scripts.InContainerScripts;
import dev.exectask.scripts.KillReport;
import dev.exectask.scripts.ObserverReport;
import dev.exectask.scripts.RecordedStream;
import io.fabric8.kubernetes.api.model.Status;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ExecListener;
import io.fabric8.kubernetes.client.dsl.ExecWatch;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/** {@link ContainerProcesses} over the pods/exec API, through the fabric8 client. */
public final class Fabric8ContainerProcesses implements ContainerProcesses {

  /**
   * The killer prints one short line, the observer one line and two records of at most 4 KiB each;
   * more is a sign of trouble.
   */
  private static final int SCRIPT_OUTPUT_BYTES = 16 * 1024;

  /** Beyond its own waits, how long a killer or an observer may take before it is cut off. */
  private static final Duration SCRIPT_TIMEOUT_MARGIN = Duration.ofSeconds(15);

  /**
   * An observer answers at once (it waits at most a second for a wrapper that is just starting):
   * one still open after this is hung, and is closed.
   */
  static final Duration OBSERVE_BOUND = Duration.ofSeconds(1).plus(SCRIPT_TIMEOUT_MARGIN);

  /**
   * A killer prints a line as it starts and then at least every second while it works (see
   * killer.sh): one silent this long is hung, and is closed. A busy one is not: on a saturated
   * node, 64 trees can take longer than any fixed bound, and a killer cut off goes on running in
   * the container beside the next. A round of a killer of dozens of trees in a container of
   * hundreds of processes took over 15 s on a 2-core node at load 24.
   */
  static final Duration KILLER_SILENCE = Duration.ofSeconds(30);

  /** Beyond its grace period, the longest a killer that keeps printing may take. */
  static final Duration KILLER_BOUND = Duration.ofMinutes(2);

  /**
   * When an exec counts as hung: still open after {@code total}, or, with {@code output}, nothing
   * written to it for {@code silence}.
   */
  record Bound(Duration total, Duration silence, Activity output) {
    static Bound of(Duration total) {
      return new Bound(total, null, null);
    }
  }

  /**
   * When a stream was last written to. Its silence counts from the first {@link #touch} (the exec
   * open) or write: an exec still opening is bounded by its total alone, so an API server that
   * answers the upgrade late (an unreachable kubelet, after its dial timeout) is reported with its
   * own answer.
   */
  static final class Activity extends OutputStream {
    private final OutputStream out;
    private volatile long lastNanos;
    private volatile boolean armed;

    Activity(OutputStream out) {
      this.out = out;
    }

    Duration silence() {
      return armed ? Duration.ofNanos(System.nanoTime() - lastNanos) : Duration.ZERO;
    }

    void touch() {
      lastNanos = System.nanoTime();
      armed = true;
    }

    @Override
    public void write(int b) throws java.io.IOException {
      touch();
      out.write(b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) throws java.io.IOException {
      touch();
      out.write(bytes, offset, length);
    }
  }

  private final ExecConnector connector;
  private final Clock clock;
  private final int outputTailBytes;

  /**
   * @param pings keeps the open exec streams alive behind proxies with idle timeouts
   */
  public Fabric8ContainerProcesses(
      KubernetesClient client, WebSocketPings pings, Clock clock, int outputTailBytes) {
    this.connector = new ExecConnector(client, pings);
    this.clock = clock;
    this.outputTailBytes = outputTailBytes;
  }

  @Override
  public CompletableFuture<CommandOutcome> run(
      ExecTarget target, String taskUid, ExecTaskSpec spec, LiveOutput live) {
    byte[] stdin =
        spec.getStdin() == null ? null : spec.getStdin().getBytes(StandardCharsets.UTF_8);
    List<Map.Entry<String, String>> env =
        spec.getEnv() == null
            ? List.of()
            : spec.getEnv().stream()
                .map(e -> Map.entry(e.getName(), e.getValue() == null ? "" : e.getValue()))
                .collect(Collectors.toList());
    InContainerScripts.WrapperExec wrapper =
        InContainerScripts.wrapper(taskUid, spec.getCommand(), env, spec.getWorkingDir(), stdin);
    OutputTail out = new OutputTail(outputTailBytes);
    OutputTail err = new OutputTail(outputTailBytes);
    live.attach(out, err);
    // The command's own exec stays open as long as the command runs: no timeout of its own (the
    // task's deadline ends it through the killer).
    return exec(
            target, wrapper.argv(), wrapper.payload(), out, err, null, ExecConnector.START_RETRIES)
        .thenApply(
            end -> {
              if (end.exitCode() != null && end.exitCode() >= 0) {
                return new CommandOutcome.Exited(
                    end.exitCode(), out.captured(), err.captured(), clock.instant());
              }
              String message =
                  end.startFailure() != null
                      ? end.startFailure()
                      : end.status() != null ? end.status().getMessage() : null;
              if (message != null && noShell(message)) {
                return new CommandOutcome.StartFailed(
                    Reasons.SHELL_NOT_FOUND,
                    "The container has no POSIX shell (sh), which the task's wrapper needs: "
                        + message);
              }
              // Anything else may have started the wrapper: only the container can tell.
              return new CommandOutcome.ConnectionLost(
                  message != null ? "the exec failed: " + message : end.describe(),
                  out.captured(),
                  err.captured());
            });
  }

  @Override
  public CompletableFuture<ObservedCommand> observe(ExecTarget target, String taskUid) {
    OutputTail out = new OutputTail(SCRIPT_OUTPUT_BYTES);
    OutputTail err = new OutputTail(SCRIPT_OUTPUT_BYTES);
    return exec(
            target,
            InContainerScripts.observerCommand(taskUid),
            null,
            out,
            err,
            Bound.of(OBSERVE_BOUND),
            ExecConnector.RETRIES)
        .thenApply(
            end -> {
              end.requireSuccess("observer", err);
              ObserverReport report = InContainerScripts.parseObserverReport(out.tailBytes());
              return new ObservedCommand(
                  report.observation(), captured(report.stdout()), captured(report.stderr()));
            });
  }

  private static CapturedOutput captured(RecordedStream stream) {
    if (stream == null) {
      return null;
    }
    return new CapturedOutput(
        OutputTail.decodeTail(stream.tail(), stream.totalBytes() > stream.tail().length),
        stream.totalBytes());
  }

  /**
   * How long a kill waits for others due in the same container with the same grace period, to go in
   * one killer exec with them: short beside a kill's latency, long enough for a collection DELETE
   * or a burst of deadlines to land in a few execs instead of hundreds.
   */
  static final Duration KILL_BATCH_WINDOW = Duration.ofMillis(20);

  /**
   * The window while a killer of the same container is still running: kills that keep coming
   * (deadlines spread over a few seconds, a collection DELETE answered object by object) gather
   * into fewer killers, each of which looks at every process of the container, instead of hundreds
   * of one-task killers competing for the same CPU. It adds at most this much to a kill.
   */
  static final Duration BUSY_KILL_BATCH_WINDOW = Duration.ofMillis(200);

  /** The most trees one killer exec takes on (its argv holds two words per task). */
  static final int KILL_BATCH_SIZE = 64;

  private final Map<KillBatchKey, KillBatch> killBatches = new HashMap<>();

  /** Killers running per container; guarded by killBatches. */
  private final Map<ExecTarget, Integer> killersRunning = new HashMap<>();

  private record KillBatchKey(ExecTarget target, long graceSeconds) {}

  /** Kills gathered for one killer exec: task uid to the caller's future, in arrival order. */
  private static final class KillBatch {
    final Map<String, CompletableFuture<KillReport>> tasks = new LinkedHashMap<>();
  }

  /**
   * Joins the kill to the batch gathering for its container and grace period (starting one, sent
   * after {@link #KILL_BATCH_WINDOW}, if none is) or to a batch that is full, which goes at once.
   * The same task twice in one batch shares one kill.
   */
  @Override
  public CompletableFuture<KillReport> killTree(
      ExecTarget target, String taskUid, long graceSeconds) {
    KillBatchKey key = new KillBatchKey(target, graceSeconds);
    KillBatch full = null;
    CompletableFuture<KillReport> report;
    synchronized (killBatches) {
      KillBatch batch = killBatches.get(key);
      if (batch == null) {
        batch = new KillBatch();
        killBatches.put(key, batch);
        KillBatch scheduled = batch;
        Duration window =
            killersRunning.containsKey(target) ? BUSY_KILL_BATCH_WINDOW : KILL_BATCH_WINDOW;
        ExecTimer.after(window.toMillis(), TimeUnit.MILLISECONDS)
            .execute(() -> sendWhenDue(key, scheduled));
      }
      report = batch.tasks.computeIfAbsent(taskUid, uid -> new CompletableFuture<>());
      if (batch.tasks.size() >= KILL_BATCH_SIZE) {
        killBatches.remove(key);
        full = batch;
      }
    }
    if (full != null) {
      send(key, full);
    }
    return report;
  }

  private void sendWhenDue(KillBatchKey key, KillBatch batch) {
    synchronized (killBatches) {
      if (!killBatches.remove(key, batch)) {
        return; // It filled up and went already.
      }
    }
    send(key, batch);
  }

  /**
   * One killer exec for every tree of the batch. Each caller gets its own task's report as soon as
   * the killer prints it, not when the last tree of the batch is gone.
   */
  private void send(KillBatchKey key, KillBatch batch) {
    Map<String, CompletableFuture<KillReport>> tasks = batch.tasks;
    OutputTail err = new OutputTail(SCRIPT_OUTPUT_BYTES);
    // The killer waits the grace period, then at most 5 s of SIGKILL and 1 s for the wrapper,
    // printing as it goes.
    long grace = key.graceSeconds();
    Activity lines = new Activity(new KillerLines(tasks));
    Bound bound =
        new Bound(
            Duration.ofSeconds(Math.min(grace, Long.MAX_VALUE / 4)).plus(KILLER_BOUND),
            KILLER_SILENCE,
            lines);
    CompletableFuture<ExecEnd> end;
    synchronized (killBatches) {
      killersRunning.merge(key.target(), 1, Integer::sum);
    }
    try {
      end =
          exec(
              key.target(),
              InContainerScripts.killerCommand(tasks.keySet(), grace),
              null,
              lines,
              err,
              bound,
              ExecConnector.RETRIES);
    } catch (RuntimeException e) {
      killerEnded(key.target());
      tasks.values().forEach(f -> f.completeExceptionally(e));
      return;
    }
    end.whenComplete((result, failure) -> killerEnded(key.target()));
    end.whenComplete(
        (result, failure) ->
            tasks.values().stream()
                .filter(future -> !future.isDone())
                .forEach(
                    future -> {
                      if (failure != null) {
                        future.completeExceptionally(failure);
                        return;
                      }
                      try {
                        // No report for this task: say why, from how the exec ended.
                        result.requireSuccess("killer", err);
                        future.completeExceptionally(
                            new IllegalStateException(
                                "killer reported nothing for the task; stderr: "
                                    + err.captured().tail().strip()));
                      } catch (RuntimeException e) {
                        future.completeExceptionally(e);
                      }
                    }));
  }

  private void killerEnded(ExecTarget target) {
    synchronized (killBatches) {
      killersRunning.computeIfPresent(target, (t, n) -> n > 1 ? n - 1 : null);
    }
  }

  /** The killer's stdout a line at a time: each task's line completes that task's kill. */
  private static final class KillerLines extends OutputStream {

    /** A report line is under 200 bytes; anything longer is not one. */
    private static final int MAX_LINE = 1024;

    private final Map<String, CompletableFuture<KillReport>> tasks;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();

    KillerLines(Map<String, CompletableFuture<KillReport>> tasks) {
      this.tasks = tasks;
    }

    @Override
    public synchronized void write(int b) {
      if (b != '\n') {
        if (line.size() < MAX_LINE) {
          line.write(b);
        }
        return;
      }
      String text = line.toString(StandardCharsets.UTF_8);
      line.reset();
      InContainerScripts.parseKillReports(text, tasks.keySet())
          .forEach((uid, report) -> tasks.get(uid).complete(report));
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) {
      for (int i = offset; i < offset + length; i++) {
        write(bytes[i]);
      }
    }
  }

  /**
   * A runtime that cannot find the wrapper's shell reports it as the OCI runtime's "executable file
   * not found" (or "no such file or directory" for a path): the container has no /bin/sh.
   */
  static boolean noShell(String message) {
    return message.contains("executable file not found")
        || message.contains("no such file or directory");
  }

  /**
   * Opens one exec and completes when it ends, trying an upgrade refused with "try again" up to
   * {@code upgradeRetries} more times. With a {@code bound}, an exec still open (or still opening)
   * after it is closed and reported as timed out: a hung exec is never left behind.
   */
  private CompletableFuture<ExecEnd> exec(
      ExecTarget target,
      List<String> argv,
      byte[] stdin,
      OutputStream out,
      OutputTail err,
      Bound bound,
      int upgradeRetries) {
    AtomicReference<Status> status = new AtomicReference<>();
    AtomicReference<ExecWatch> opened = new AtomicReference<>();
    AtomicBoolean timedOut = new AtomicBoolean();
    ExecListener listener =
        new ExecListener() {
          @Override
          public void onExit(int code, Status exitStatus) {
            status.set(exitStatus);
          }

          @Override
          public void onClose(int code, String reason) {
            // The exit code future reports the end; nothing else to do.
          }
        };
    CompletableFuture<ExecEnd> end =
        connector
            .open(target, argv, stdin != null, out, err, listener, upgradeRetries)
            .thenApply(
                watch -> {
                  opened.set(watch);
                  if (bound != null && bound.output() != null) {
                    // Silence counts from here: opening is bounded by the total alone.
                    bound.output().touch();
                  }
                  if (stdin != null) {
                    // Written once the exec is open, not pumped from an InputStream: fabric8's
                    // pump holds a thread per exec, polling, for as long as it runs.
                    try {
                      watch.getInput().write(stdin);
                      watch.getInput().flush();
                    } catch (java.io.IOException e) {
                      watch.close();
                      throw new java.io.UncheckedIOException(e);
                    }
                  }
                  if (timedOut.get()) {
                    // The bound passed while this exec was opening: close it now.
                    watch.close();
                  }
                  return watch;
                })
            .handle(
                (watch, openFailure) -> {
                  if (openFailure != null) {
                    return CompletableFuture.completedFuture(ExecEnd.failedToOpen(openFailure));
                  }
                  return watch
                      .exitCode()
                      .handle(
                          (code, failure) -> {
                            watch.close();
                            return new ExecEnd(code, status.get(), null, failure);
                          });
                })
            .thenCompose(f -> f);
    if (bound == null) {
      return end;
    }
    return guard(end, bound)
        .handle(
            (result, failure) -> {
              if (failure == null) {
                return result;
              }
              Throwable cause =
                  failure instanceof CompletionException && failure.getCause() != null
                      ? failure.getCause()
                      : failure;
              if (cause instanceof TimeoutException) {
                timedOut.set(true);
                ExecWatch watch = opened.get();
                if (watch != null) {
                  watch.close();
                }
              }
              throw new CompletionException(cause);
            });
  }

  /**
   * {@code end}, or a {@link TimeoutException} once the exec outlives its bound: its total, or its
   * silence, looked at every second.
   */
  static <T> CompletableFuture<T> guard(CompletableFuture<T> end, Bound bound) {
    CompletableFuture<T> guarded =
        end.orTimeout(bound.total().toMillis(), TimeUnit.MILLISECONDS)
            .handle(
                (result, failure) -> {
                  Throwable cause =
                      failure instanceof CompletionException && failure.getCause() != null
                          ? failure.getCause()
                          : failure;
                  if (cause instanceof TimeoutException) {
                    throw new CompletionException(
                        new TimeoutException(
                            "the exec did not end within "
                                + bound.total().toSeconds()
                                + "s and was closed"));
                  }
                  if (failure != null) {
                    throw new CompletionException(cause);
                  }
                  return result;
                });
    if (bound.silence() != null) {
      watchSilence(guarded, bound);
    }
    return guarded;
  }

  private static void watchSilence(CompletableFuture<?> guarded, Bound bound) {
    ExecTimer.after(1, TimeUnit.SECONDS)
        .execute(
            () -> {
              if (guarded.isDone()) {
                return;
              }
              if (bound.output().silence().compareTo(bound.silence()) >= 0) {
                guarded.completeExceptionally(
                    new TimeoutException(
                        "the exec printed nothing for "
                            + bound.silence().toSeconds()
                            + "s and was closed"));
                return;
              }
              watchSilence(guarded, bound);
            });
  }

  /** What one exec connection reported when it ended. */
  private record ExecEnd(Integer exitCode, Status status, String startFailure, Throwable failure) {

    static ExecEnd failedToOpen(Throwable t) {
      Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
      return new ExecEnd(null, null, describeFailure(cause), cause);
    }

    /**
     * What went wrong, for a status message: the API server's Status message where it sent one, the
     * HTTP code, and the causes' messages (fabric8's own says only "An error has occurred.").
     */
    static String describeFailure(Throwable failure) {
      java.util.LinkedHashSet<String> parts = new java.util.LinkedHashSet<>();
      for (Throwable t = failure; t != null && parts.size() < 4; t = t.getCause()) {
        if (t instanceof KubernetesClientException kce) {
          if (kce.getStatus() != null && kce.getStatus().getMessage() != null) {
            parts.add(kce.getStatus().getMessage());
          }
          if (kce.getCode() > 0) {
            parts.add("HTTP " + kce.getCode());
          }
        }
        if (t.getMessage() != null && !t.getMessage().isBlank()) {
          parts.add(t.getMessage().strip());
        }
        if (t.getCause() == t) {
          break;
        }
      }
      return parts.isEmpty() ? failure.toString() : String.join(": ", parts);
    }

    String describe() {
      if (failure != null) {
        return "the exec connection failed: " + failure.getMessage();
      }
      return "the exec connection closed without an exit status";
    }

    void requireSuccess(String what, OutputTail err) {
      if (startFailure != null) {
        throw new IllegalStateException(what + " could not start: " + startFailure, failure);
      }
      if (exitCode == null || exitCode != 0) {
        String detail = status != null ? status.getMessage() : describe();
        throw new IllegalStateException(
            what + " failed: " + detail + "; stderr: " + err.captured().tail().strip());
      }
    }
  }
}
