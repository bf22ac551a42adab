package dev.exectask.sandbox.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.PodCondition;
import io.fabric8.kubernetes.api.model.PodStatus;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PodStatusComposerTest {
  private static final Instant START = Instant.parse("2025-01-01T10:00:00.250Z");

  @ParameterizedTest
  @CsvSource({
    // first: created, finished, exit code; second: same
    "false, false, 0, true, false, 0, Pending",
    "true, false, 0, true, false, 0, Running",
    "true, true, 0, true, false, 0, Running",
    "true, true, 0, true, true, 0, Succeeded",
    "true, true, 0, true, true, 2, Failed",
    "false, true, 128, true, true, 0, Failed",
  })
  void phaseFollowsTheContainers(
      boolean created1,
      boolean finished1,
      int exit1,
      boolean created2,
      boolean finished2,
      int exit2,
      String phase) {
    PodStatus status =
        PodStatusComposer.compose(
            List.of(view("a", created1, finished1, exit1), view("b", created2, finished2, exit2)),
            START,
            null,
            START);

    assertEquals(phase, status.getPhase());
  }

  @Test
  void aLostNodeTurnsOnlyReadyFalseAsTheNodeLifecycleControllerDoes() {
    List<PodStatusComposer.ContainerView> running = List.of(view("a", true, false, 0));
    PodStatus last = PodStatusComposer.compose(running, START, null, START);
    Instant later = START.plusSeconds(40);

    PodStatus lost = PodStatusComposer.nodeLost(last, later);

    assertEquals("False", condition(lost, "Ready").getStatus());
    assertEquals("2025-01-01T10:00:40Z", condition(lost, "Ready").getLastTransitionTime());
    assertEquals("True", condition(lost, "ContainersReady").getStatus());
    assertEquals(
        "2025-01-01T10:00:00Z", condition(lost, "ContainersReady").getLastTransitionTime());
    assertEquals(last.getContainerStatuses(), lost.getContainerStatuses());
    assertEquals("Running", lost.getPhase());
    assertEquals("True", condition(last, "Ready").getStatus(), "the last status is left as it was");
    assertEquals(null, PodStatusComposer.nodeLost(null, later), "nothing to mark before a report");
  }

  @Test
  void unchangedConditionsKeepTheirTransitionTime() {
    List<PodStatusComposer.ContainerView> running = List.of(view("a", true, false, 0));
    PodStatus first = PodStatusComposer.compose(running, START, null, START);
    Instant later = START.plusSeconds(30);

    PodStatus same = PodStatusComposer.compose(running, START, first, later);
    PodStatus done =
        PodStatusComposer.compose(List.of(view("a", true, true, 0)), START, same, later);

    assertEquals("2025-01-01T10:00:00Z", condition(same, "Ready").getLastTransitionTime());
    assertEquals("True", condition(same, "Ready").getStatus());
    assertEquals("2025-01-01T10:00:30Z", condition(done, "Ready").getLastTransitionTime());
    assertEquals("PodCompleted", condition(done, "Ready").getReason());
    assertEquals("2025-01-01T10:00:00Z", condition(done, "PodScheduled").getLastTransitionTime());
  }

  private static PodCondition condition(PodStatus status, String type) {
    return status.getConditions().stream()
        .filter(c -> c.getType().equals(type))
        .findFirst()
        .orElseThrow();
  }

  private static PodStatusComposer.ContainerView view(
      String name, boolean created, boolean finished, int exitCode) {
    ContainerState state =
        finished
            ? new ContainerStateBuilder()
                .withNewTerminated()
                .withExitCode(exitCode)
                .endTerminated()
                .build()
            : created
                ? new ContainerStateBuilder()
                    .withNewRunning()
                    .withStartedAt("2025-01-01T10:00:00Z")
                    .endRunning()
                    .build()
                : new ContainerStateBuilder()
                    .withNewWaiting()
                    .withReason("ContainerCreating")
                    .endWaiting()
                    .build();
    return new PodStatusComposer.ContainerView(
        name,
        "busybox",
        created ? "sandbox://1" : null,
        0,
        state,
        null,
        created && !finished,
        created || finished,
        finished);
  }
}
