package dev.exectask.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.exectask.api.v1alpha1.ExecTask;
import dev.exectask.testing.SandboxTestResource;
import io.javaoperatorsdk.operator.Operator;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The operator starts against the sandbox and registers its one reconciler with its finalizer. */
@QuarkusTest
@QuarkusTestResource(SandboxTestResource.class)
class OperatorStartupTest {

  @Inject Operator operator;

  @Test
  void registersTheExecTaskReconcilerWithItsFinalizer() {
    await().atMost(Duration.ofSeconds(30)).until(() -> operator.getRuntimeInfo().isStarted());
    assertEquals(1, operator.getRegisteredControllersNumber());
    var controller = operator.getRegisteredController("exectask").orElseThrow();
    assertEquals(ExecTask.class, controller.getConfiguration().getResourceClass());
    assertEquals(ExecTask.FINALIZER, controller.getConfiguration().getFinalizerName());
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> operator.getRuntimeInfo().allEventSourcesAreHealthy());
    assertTrue(operator.getRuntimeInfo().allEventSourcesAreHealthy());
  }
}
