package dev.exectask.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.exectask.sandbox.node.EmulatedNode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LostNodeDeletionTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant NOW = Instant.parse("2026-01-01T10:00:00.700Z");

  @ParameterizedTest
  @CsvSource({
    // node lost, already held, grace period, outcome, finalizers written
    "false, false, -1, delete,    ",
    "false, false, 0,  delete,    ",
    "true,  false, -1, write,     sandbox.exectask.dev/unreachable-node",
    "true,  false, 30, write,     sandbox.exectask.dev/unreachable-node",
    "true,  false, 0,  delete,    ",
    "true,  true,  -1, unchanged, ",
    "false, true,  30, unchanged, ",
    "true,  true,  0,  write,     ",
    "false, true,  0,  write,     ",
  })
  void aDeleteOfAPodOnALostNodeIsHeldUntilForced(
      boolean lost, boolean held, long grace, String outcome, String finalizers) {
    ObjectNode pod = JSON.createObjectNode();
    ObjectNode metadata = pod.putObject("metadata");
    metadata.put("name", "web");
    if (lost) {
      metadata.putObject("annotations").put(EmulatedNode.NODE_ANNOTATION, EmulatedNode.NODE_LOST);
    }
    if (held) {
      metadata.put("deletionTimestamp", "2026-01-01T09:00:00Z");
      metadata.putArray("finalizers").add(EmulatedNode.UNREACHABLE_NODE_FINALIZER);
    }

    Optional<LostNodeDeletion.Held> result = LostNodeDeletion.onDelete(pod, grace, NOW);

    switch (outcome) {
      case "delete" -> assertThat(result).isEmpty();
      case "unchanged" -> assertThat(result).containsInstanceOf(LostNodeDeletion.Unchanged.class);
      default -> {
        JsonNode written = ((LostNodeDeletion.Write) result.orElseThrow()).pod().path("metadata");
        List<String> names = new ArrayList<>();
        written.path("finalizers").forEach(f -> names.add(f.asText()));
        assertThat(names).isEqualTo(finalizers == null ? List.of() : List.of(finalizers));
        assertThat(written.path("deletionTimestamp").asText())
            .isEqualTo(held ? "2026-01-01T09:00:00Z" : "2026-01-01T10:00:00Z");
      }
    }
  }

  @Test
  void otherFinalizersStayWhenTheHoldIsReleased() {
    ObjectNode pod = JSON.createObjectNode();
    pod.putObject("metadata")
        .putArray("finalizers")
        .add("example.com/keep")
        .add(EmulatedNode.UNREACHABLE_NODE_FINALIZER);

    var written = (LostNodeDeletion.Write) LostNodeDeletion.onDelete(pod, 0, NOW).orElseThrow();

    assertThat(written.pod().path("metadata").path("finalizers").toString())
        .isEqualTo("[\"example.com/keep\"]");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "0    |                                               | 0",
        "     | {\"kind\":\"DeleteOptions\",\"gracePeriodSeconds\":0} | 0",
        "     | {\"propagationPolicy\":\"Background\"}            | -1",
        "     |                                               | -1",
        "x    |                                               | -1",
        "     | not json                                      | -1",
      })
  void theGracePeriodComesFromTheQueryOrTheDeleteOptions(String query, String body, long grace) {
    byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);

    assertThat(LostNodeDeletion.gracePeriodSeconds(query, bytes)).isEqualTo(grace);
  }
}
