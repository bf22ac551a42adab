package dev.exectask.sandbox.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ContainerEnvironmentTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "$(A)|a",
        "x$(A)y$(B)z|xaybz",
        "$(MISSING)|$(MISSING)",
        "$$(A)|$(A)",
        "$$$(A)|$a",
        "$(A|$(A",
        "$A|$A",
        "cost: 5$|cost: 5$",
        "$()|$()",
      })
  void expandsReferencesAsKubernetesDoes(String input, String expected) {
    assertEquals(expected, ContainerEnvironment.expand(input, Map.of("A", "a", "B", "b")));
  }

  @Test
  void variablesSeeOnlyTheOnesDeclaredBeforeThem() throws Exception {
    Container container =
        new ContainerBuilder()
            .withName("main")
            .addNewEnv()
            .withName("FIRST")
            .withValue("1 $(SECOND)")
            .endEnv()
            .addNewEnv()
            .withName("SECOND")
            .withValue("2 $(FIRST)")
            .endEnv()
            .addNewEnv()
            .withName("PATH")
            .withValue("/opt/bin")
            .endEnv()
            .build();
    Pod pod = NodeHarness.pod("ns", "web").editSpec().withContainers(container).endSpec().build();

    ContainerEnvironment.Resolved environment = ContainerEnvironment.resolve(pod, container, null);

    assertEquals("1 $(SECOND)", environment.all().get("FIRST"));
    assertEquals("2 1 $(SECOND)", environment.all().get("SECOND"));
    assertEquals("/opt/bin", environment.path());
    assertEquals("web", environment.all().get("HOSTNAME"));
    assertEquals("/root", environment.all().get("HOME"));
  }
}
