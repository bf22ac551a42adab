package dev.exectask.sandbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AuditLogTest {

  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);

  static final Instant RECEIVED = Instant.parse("2026-01-02T03:04:04.750Z");

  @TempDir Path dir;

  @Test
  void aLineNamesArrivalAnswerUserVerbMethodUriAndCodeButNeverTheToken() throws Exception {
    Path file = dir.resolve("audit.log");
    AuditLog log = AuditLog.to(file, 1024 * 1024, CLOCK);
    log.record(
        RECEIVED, "POST", "/api/v1/namespaces/a/pods/p/exec?command=sh", "Bearer sandbox", 101);
    log.record(RECEIVED, "GET", "/api/v1/namespaces/a/pods?watch=true", null, 200);
    assertEquals(
        List.of(
            "{\"requestReceivedTimestamp\":\"2026-01-02T03:04:04.750Z\",\"stageTimestamp\":\"2026-01-02T03:04:05Z\","
                + "\"user\":\"sandbox\","
                + "\"verb\":\"create\",\"method\":\"POST\","
                + "\"requestURI\":\"/api/v1/namespaces/a/pods/p/exec?command=sh\",\"code\":101}",
            "{\"requestReceivedTimestamp\":\"2026-01-02T03:04:04.750Z\",\"stageTimestamp\":\"2026-01-02T03:04:05Z\","
                + "\"user\":\"system:anonymous\","
                + "\"verb\":\"watch\",\"method\":\"GET\","
                + "\"requestURI\":\"/api/v1/namespaces/a/pods?watch=true\",\"code\":200}"),
        Files.readAllLines(file));
    log.record(RECEIVED, "GET", "/api/v1/pods", "Bearer some-other-credential", 401);
    assertFalse(Files.readString(file).contains("some-other-credential"));
    assertTrue(Files.readString(file).contains("\"user\":\"system:unknown\""));
  }

  @Test
  void pastItsBoundTheLogMovesToOneBackupSoTheDiskHoldsAtMostTwice() throws Exception {
    Path file = dir.resolve("audit.log");
    long bound = 2000;
    AuditLog log = AuditLog.to(file, bound, CLOCK);
    for (int i = 0; i < 1000; i++) {
      log.record(RECEIVED, "GET", "/api/v1/namespaces/a/pods/p" + i, "Bearer sandbox", 200);
    }
    assertTrue(Files.size(file) <= bound, "audit.log is " + Files.size(file) + " bytes");
    assertTrue(Files.size(dir.resolve("audit.log.1")) <= bound);
    assertEquals(
        List.of("audit.log", "audit.log.1"),
        Files.list(dir).map(p -> p.getFileName().toString()).sorted().toList());
    assertTrue(Files.readString(file).contains("/pods/p999\""), "the newest line is kept");
  }

  @ParameterizedTest
  @CsvSource({
    "GET, /api/v1/namespaces/a/pods/p, get",
    "GET, /api/v1/namespaces/a/pods, list",
    "GET, /api/v1/namespaces/a/pods?labelSelector=x&watch=1, watch",
    "GET, /apis/exectask.dev/v1alpha1/exectasks?watch=false, list",
    "PUT, /apis/exectask.dev/v1alpha1/namespaces/a/exectasks/t/status, update",
    "PATCH, /api/v1/namespaces/a/pods/p, patch",
    "DELETE, /api/v1/namespaces/a/pods/p, delete",
    "DELETE, /api/v1/namespaces/a/pods, deletecollection",
    "GET, /version, get",
  })
  void verbsAreTheApiServers(String method, String uri, String verb) {
    assertEquals(verb, AuditLog.verb(method, uri));
  }
}
