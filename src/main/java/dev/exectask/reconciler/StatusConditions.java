package dev.exectask.reconciler;

import dev.exectask.api.v1alpha1.ConditionTypes;
import dev.exectask.api.v1alpha1.ExecTaskStatus;
import dev.exectask.api.v1alpha1.Phase;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Derives {@code status.conditions} from the phase, as Jobs (Complete, Failed) and kstatus
 * (Reconciling, Stalled) readers expect them, keeping the transition time of unchanged ones.
 */
final class StatusConditions {

  private StatusConditions() {}

  static void apply(ExecTaskStatus status, Long generation, Instant now) {
    Phase phase = status.getPhase();
    String reason = status.getReason() != null ? status.getReason() : phase.name();
    String message = status.getMessage() != null ? status.getMessage() : "";
    boolean terminal = phase.isTerminal();
    boolean failed = phase == Phase.Failed || phase == Phase.TimedOut;
    List<Condition> previous = status.getConditions() == null ? List.of() : status.getConditions();
    List<Condition> next = new ArrayList<>();
    if (terminal) {
      next.add(
          condition(
              previous,
              ConditionTypes.COMPLETE,
              phase == Phase.Succeeded,
              reason,
              message,
              generation,
              now));
      next.add(
          condition(previous, ConditionTypes.FAILED, failed, reason, message, generation, now));
    }
    next.add(
        condition(
            previous, ConditionTypes.RECONCILING, !terminal, reason, message, generation, now));
    next.add(condition(previous, ConditionTypes.STALLED, failed, reason, message, generation, now));
    status.setConditions(next);
  }

  /** Stalled True with its own reason while the phase stays: a deletion waiting on a kill. */
  static void stall(
      ExecTaskStatus status, String reason, String message, Long generation, Instant now) {
    List<Condition> previous = status.getConditions() == null ? List.of() : status.getConditions();
    List<Condition> next = new ArrayList<>();
    for (Condition c : previous) {
      if (!ConditionTypes.STALLED.equals(c.getType())) {
        next.add(c);
      }
    }
    next.add(condition(previous, ConditionTypes.STALLED, true, reason, message, generation, now));
    status.setConditions(next);
  }

  /** The reason of the Stalled condition while it is True, else null. */
  static String stalledBy(ExecTaskStatus status) {
    if (status == null || status.getConditions() == null) {
      return null;
    }
    return status.getConditions().stream()
        .filter(c -> ConditionTypes.STALLED.equals(c.getType()) && "True".equals(c.getStatus()))
        .map(Condition::getReason)
        .findFirst()
        .orElse(null);
  }

  private static Condition condition(
      List<Condition> previous,
      String type,
      boolean value,
      String reason,
      String message,
      Long generation,
      Instant now) {
    String status = value ? "True" : "False";
    String since =
        previous.stream()
            .filter(c -> type.equals(c.getType()) && status.equals(c.getStatus()))
            .map(Condition::getLastTransitionTime)
            .filter(Objects::nonNull)
            .findFirst()
            .orElse(Times.format(now));
    return new ConditionBuilder()
        .withType(type)
        .withStatus(status)
        .withReason(reason)
        .withMessage(message)
        .withObservedGeneration(generation)
        .withLastTransitionTime(since)
        .build();
  }
}
