package dev.exectask.sandbox.node;

import static dev.exectask.sandbox.node.NodeHarness.CONTAINER;
import static dev.exectask.sandbox.node.NodeHarness.TIMEOUT;
import static dev.exectask.sandbox.node.NodeHarness.pod;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmulatedNodeCloseTest {

  @Test
  void closeLeavesNoProcessOfTheNodeBehind(@TempDir Path workDir) throws Exception {
    try (NodeHarness api = new NodeHarness(workDir)) {
      // Created before the node starts: its informer's initial list runs it too.
      api.create(pod("close-early", "box").build());
      api.node.start();
      api.create(
          pod("close-late", "box")
              .editMetadata()
              .addToAnnotations(EmulatedNode.INIT_ANNOTATION, EmulatedNode.NO_REAP)
              .endMetadata()
              .build());
      Set<Long> processes = new HashSet<>();
      for (String namespace : List.of("close-early", "close-late")) {
        api.awaitReady(namespace, "box");
        processes.add(
            api.node
                .exec(namespace, "box", CONTAINER, List.of("sh", "-c", "sleep 300 & wait"))
                .pid());
        api.run(namespace, "box", List.of("sh", "-c", "sleep 301 >/dev/null 2>&1 &"));
        await()
            .atMost(TIMEOUT)
            .until(
                () ->
                    api.commandLines(namespace, "box")
                        .containsAll(Set.of("sleep 300", "sleep 301")));
        processes.addAll(api.node.hostPids(namespace, "box", CONTAINER));
        processes.add(LinuxProcesses.parentOf(api.initPid(namespace, "box")));
      }

      api.node.close();

      assertEquals(
          Set.of(), processes.stream().filter(NodeHarness::exists).collect(Collectors.toSet()));
      assertEquals(
          List.of(),
          ProcessHandle.current()
              .children()
              .map(child -> child.info().command().orElse("?"))
              .filter(command -> command.endsWith("/unshare") || command.endsWith("/nsenter"))
              .toList());
      assertThrows(
          ExecStartException.class,
          () -> api.node.exec("close-early", "box", CONTAINER, List.of("true")));
    }
  }
}
