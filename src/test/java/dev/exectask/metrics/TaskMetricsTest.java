package dev.exectask.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.api.v1alpha1.ExecTaskSpec;
import dev.exectask.api.v1alpha1.Phase;
import dev.exectask.testing.SandboxTestResource;
import dev.exectask.testing.TestNamespace;
import dev.exectask.testing.TestPods;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What /q/metrics says after tasks ran in the sandbox, as Prometheus would scrape it. */
@QuarkusTest
@QuarkusTestResource(SandboxTestResource.class)
class TaskMetricsTest {

  private static final Duration SHORT = Duration.ofSeconds(60);

  @RegisterExtension TestNamespace ns = new TestNamespace();

  @Inject KubernetesClient client;

  @TestHTTPResource("/q/metrics")
  URI metrics;

  @Test
  void aFinishedTaskAndAKilledTreeShowInTheMetrics() throws Exception {
    Map<String, Double> before = scrape();
    TestPods.createRunning(client, ns.name(), "p");
    task("ok", List.of("sh", "-c", "echo hello"), 60L);
    // Two processes besides the shell: the killer signals three of the tree.
    task("slow", List.of("sh", "-c", "sleep 300 & sleep 300 & wait"), 1L);
    awaitPhase("ok", Phase.Succeeded);
    awaitPhase("slow", Phase.TimedOut);

    await()
        .atMost(SHORT)
        .untilAsserted(
            () -> {
              Map<String, Double> after = scrape();
              assertThat(
                      increase(
                          before,
                          after,
                          "exectask_tasks_finished_total{phase=\"Succeeded\",reason=\"Completed\"}"))
                  .isEqualTo(1.0);
              assertThat(
                      increase(
                          before,
                          after,
                          "exectask_tasks_finished_total{phase=\"TimedOut\",reason=\"DeadlineExceeded\"}"))
                  .isEqualTo(1.0);
              assertThat(
                      increase(
                          before,
                          after,
                          "exectask_task_duration_seconds_count{phase=\"Succeeded\"}"))
                  .isEqualTo(1.0);
              assertThat(
                      increase(
                          before,
                          after,
                          "exectask_kill_duration_seconds_count{outcome=\"confirmed\"}"))
                  .isGreaterThanOrEqualTo(1.0);
              assertThat(increase(before, after, "exectask_processes_killed_total"))
                  .isGreaterThanOrEqualTo(3.0);
              // Tasks of this test, by phase, from the operator's cache.
              assertThat(after.get("exectask_tasks{phase=\"Succeeded\"}"))
                  .isGreaterThanOrEqualTo(1.0);
              assertThat(after.get("exectask_tasks{phase=\"TimedOut\"}"))
                  .isGreaterThanOrEqualTo(1.0);
              // Every exec closed again.
              assertThat(after.get("exectask_execs_open{purpose=\"command\"}")).isEqualTo(0.0);
              assertThat(after.get("exectask_execs_open{purpose=\"kill\"}")).isEqualTo(0.0);
              assertThat(after)
                  .containsKeys(
                      "exectask_exec_failures_total{purpose=\"kill\"}",
                      "exectask_exec_retries_total{purpose=\"kill\"}",
                      "exectask_exec_failures_total{purpose=\"observe\"}");
            });
    Map<String, Double> after = scrape();
    // The Java Operator SDK's own reconcile metrics are bound too.
    assertThat(after.keySet())
        .anyMatch(k -> k.startsWith("reconciliations_started_total"))
        .anyMatch(
            k ->
                k.startsWith("reconciliations_failure_total")
                    || k.startsWith("reconciliations_success_total"));
  }

  private void task(String name, List<String> command, long timeoutSeconds) {
    ExecTask task = new ExecTask();
    task.getMetadata().setName(name);
    task.getMetadata().setNamespace(ns.name());
    ExecTaskSpec spec = new ExecTaskSpec();
    spec.setPodName("p");
    spec.setCommand(command);
    spec.setTimeoutSeconds(timeoutSeconds);
    spec.setTerminationGracePeriodSeconds(0L);
    task.setSpec(spec);
    client.resources(ExecTask.class).inNamespace(ns.name()).resource(task).create();
  }

  private void awaitPhase(String name, Phase phase) {
    await()
        .atMost(SHORT)
        .until(
            () -> {
              ExecTask t =
                  client.resources(ExecTask.class).inNamespace(ns.name()).withName(name).get();
              return t != null && t.getStatus() != null && t.getStatus().getPhase() == phase;
            });
  }

  private static double increase(
      Map<String, Double> before, Map<String, Double> after, String key) {
    return after.getOrDefault(key, 0.0) - before.getOrDefault(key, 0.0);
  }

  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*(\\{.*\\})?) (\\S+)$");

  /** The Prometheus text format, as sample name with labels (in the order served) to value. */
  private Map<String, Double> scrape() throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(metrics).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    Map<String, Double> samples = new java.util.HashMap<>();
    for (String line : response.body().lines().toList()) {
      Matcher m = SAMPLE.matcher(line);
      if (!line.startsWith("#") && m.matches()) {
        samples.put(m.group(1), Double.parseDouble(m.group(3)));
      }
    }
    return samples;
  }
}
