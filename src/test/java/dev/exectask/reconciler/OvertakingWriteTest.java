package dev.exectask.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import dev.exectask.api.v1alpha1.ExecTask;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import org.junit.jupiter.api.Test;

/**
 * A status write whose answer shows a task the pass did not see (deleted or edited meanwhile) is
 * followed by another pass at once, not by the next scheduled one.
 */
class OvertakingWriteTest {

  @Test
  void aDeletionThatLandedDuringTheWriteIsNews() {
    assertThat(ExecTaskReconciler.overtaken(task(1L, null), task(1L, "2026-12-04T05:05:26Z")))
        .isTrue();
  }

  @Test
  void aSpecEditThatLandedDuringTheWriteIsNews() {
    assertThat(ExecTaskReconciler.overtaken(task(1L, null), task(2L, null))).isTrue();
  }

  @Test
  void theWriteAloneIsNot() {
    assertThat(ExecTaskReconciler.overtaken(task(1L, null), task(1L, null))).isFalse();
    assertThat(
            ExecTaskReconciler.overtaken(
                task(1L, "2026-12-04T05:05:26Z"), task(1L, "2026-12-04T05:05:26Z")))
        .isFalse();
  }

  @Test
  void noWriteIsNoNews() {
    assertThat(ExecTaskReconciler.overtaken(task(1L, null), null)).isFalse();
  }

  private static ExecTask task(Long generation, String deletionTimestamp) {
    ExecTask task = new ExecTask();
    task.setMetadata(
        new ObjectMetaBuilder()
            .withName("t")
            .withNamespace("ns")
            .withGeneration(generation)
            .withDeletionTimestamp(deletionTimestamp)
            .build());
    return task;
  }
}
