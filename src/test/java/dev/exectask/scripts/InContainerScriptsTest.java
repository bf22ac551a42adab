package dev.exectask.scripts;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The argv layouts and the parsers; the scripts' behaviour is in InContainerScriptsBehaviourTest.
 */
class InContainerScriptsTest {

  private static final String UID = "0f8fad5b-d9cb-469f-a165-70867728950e";

  @Test
  void theWrapperArgvHoldsNothingOfTheUsersAndThePayloadEverything() {
    InContainerScripts.WrapperExec exec =
        InContainerScripts.wrapper(
            UID,
            List.of("printf", "%s", "$(id)", "a\nb"),
            List.of(Map.entry("A", "x y"), Map.entry("B", "")),
            "/srv",
            "in\n".getBytes(UTF_8));

    long token = InContainerScripts.cpuToken(UID);
    assertEquals(List.of("sh", "-c"), exec.argv().subList(0, 2));
    assertEquals(
        List.of(
            "exectask-wrapper", UID, Long.toString(token), Integer.toString(exec.payload().length)),
        exec.argv().subList(3, exec.argv().size()));
    assertFalse(exec.argv().get(2).contains(UID), "user input is never spliced into the script");
    assertEquals(
        "e A=x\\0040y\ne B=\nw /srv\ni 3\na printf\na \\0045s\na \\0044\\0050id\\0051\n"
            + "a a\\0012b\n.\nin\n",
        new String(exec.payload(), UTF_8));
  }

  @Test
  void wrapperDefaults() {
    InContainerScripts.WrapperExec exec =
        InContainerScripts.wrapper(UID, List.of("true"), List.of(), null, null);

    assertEquals("i -\na true\n.\n", new String(exec.payload(), UTF_8));
  }

  @Test
  void tokensArePerTaskFarBeyondAnyCpuTimeAndOfOneWidth() {
    long a = InContainerScripts.cpuToken(UID);
    long b = InContainerScripts.cpuToken("0f8fad5b-d9cb-469f-a165-70867728950f");

    assertTrue(a != b);
    for (long token : List.of(a, b)) {
      assertTrue(token >= 9_000_000_000_000L && token < 9_000_000_000_000L + (1L << 40));
      assertEquals(13, Long.toString(token).length());
    }
    assertEquals(a, InContainerScripts.cpuToken(UID), "stable: the killer recomputes it");
  }

  @Test
  void parsesTheObserversOutputRecords() {
    byte[] stdout =
        ("exectask-observer running\n"
                + "exectask-output stdout 9\n12\nab\ncd\n"
                + "exectask-output stderr 2\n0\n")
            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
    ObserverReport report = InContainerScripts.parseObserverReport(stdout);
    assertEquals(new CommandObservation.StillRunning(), report.observation());
    assertEquals(12, report.stdout().totalBytes());
    assertEquals("ab\ncd\n", new String(report.stdout().tail()));
    assertEquals(0, report.stderr().totalBytes());
    assertEquals(0, report.stderr().tail().length);
    assertEquals(
        null,
        InContainerScripts.parseObserverReport("exectask-observer absent\n".getBytes()).stdout());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            InContainerScripts.parseObserverReport(
                "exectask-observer running\nexectask-output stdout 9\n1\n".getBytes()));
  }

  @Test
  void killerAndObserverCommands() {
    String token = Long.toString(InContainerScripts.cpuToken(UID));
    List<String> killer = InContainerScripts.killerCommand(UID, 7);
    List<String> observer = InContainerScripts.observerCommand(UID);

    assertEquals(List.of("sh", "-c"), killer.subList(0, 2));
    assertEquals(List.of("exectask-killer", UID, token, "7"), killer.subList(3, killer.size()));
    assertEquals(List.of("sh", "-c"), observer.subList(0, 2));
    assertEquals(List.of("exectask-observer", UID, token), observer.subList(3, observer.size()));
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"a b", "a;b", "$(id)", "ü", "a\nb", "../x", "a_b"})
  void rejectsTaskUidsOutsideTheAlphabet(String uid) {
    assertThrows(
        IllegalArgumentException.class,
        () -> InContainerScripts.wrapper(uid, List.of("true"), List.of(), null, null));
    assertThrows(IllegalArgumentException.class, () -> InContainerScripts.killerCommand(uid, 1));
    assertThrows(IllegalArgumentException.class, () -> InContainerScripts.observerCommand(uid));
  }

  @Test
  void rejectsWhatCannotTravelAsAnExecArgument() {
    assertWrapperRejects(List.of(), List.of(), null, null);
    assertWrapperRejects(List.of("a\0b"), List.of(), null, null);
    assertWrapperRejects(List.of("true"), List.of(Map.entry("1A", "v")), null, null);
    assertWrapperRejects(List.of("true"), List.of(Map.entry("A-B", "v")), null, null);
    assertWrapperRejects(List.of("true"), List.of(Map.entry("A", "v\0")), null, null);
    assertWrapperRejects(List.of("true"), List.of(), "/a\0", null);
    assertWrapperRejects(
        List.of("true"), List.of(), null, new byte[InContainerScripts.MAX_STDIN_BYTES + 1]);
    assertThrows(IllegalArgumentException.class, () -> InContainerScripts.killerCommand(UID, -1));
  }

  private static void assertWrapperRejects(
      List<String> argv, List<Map.Entry<String, String>> env, String dir, byte[] stdin) {
    assertThrows(
        IllegalArgumentException.class,
        () -> InContainerScripts.wrapper(UID, argv, env, dir, stdin));
  }

  @Test
  void parsesKillReports() {
    assertEquals(
        new KillReport(3, 0),
        InContainerScripts.parseKillReport("exectask-killer signalled=3 remaining=0\n"));
    assertTrue(
        InContainerScripts.parseKillReport("exectask-killer signalled=0 remaining=0").confirmed());
    assertFalse(
        InContainerScripts.parseKillReport("exectask-killer signalled=2 remaining=1\n")
            .confirmed());
    assertEquals(
        new KillReport(1, 0, 3, java.time.Instant.ofEpochSecond(1700000000)),
        InContainerScripts.parseKillReport(
            "exectask-killer signalled=1 remaining=0 exited=3 at=1700000000\n"));
    assertEquals(
        new KillReport(0, 0, 0, null),
        InContainerScripts.parseKillReport("exectask-killer signalled=0 remaining=0 exited=0"));
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(
      strings = {
        "exectask-killer signalled=3",
        "exectask-killer signalled=-1 remaining=0",
        "exectask-killer signalled=1 remaining=0\nexectask-killer signalled=1 remaining=0",
        "killed 3",
        "exectask-observer absent"
      })
  void rejectsGarbageKillReports(String stdout) {
    assertThrows(IllegalArgumentException.class, () -> InContainerScripts.parseKillReport(stdout));
  }

  @Test
  void parsesObservations() {
    assertEquals(
        new CommandObservation.Exited(137),
        InContainerScripts.parseObservation("exectask-observer exited=137\n"));
    assertEquals(
        new CommandObservation.RunningUntracked(),
        InContainerScripts.parseObservation("exectask-observer running-untracked\n"));
    assertEquals(
        new CommandObservation.Lost(),
        InContainerScripts.parseObservation("exectask-observer lost"));
    assertEquals(
        new CommandObservation.Absent(),
        InContainerScripts.parseObservation("exectask-observer absent\n"));
    assertEquals(
        new CommandObservation.StillRunning(),
        InContainerScripts.parseObservation("exectask-observer running\n"));
    assertEquals(
        new CommandObservation.NotStarted("stdin was cut short: got 3 of 9 bytes"),
        InContainerScripts.parseObservation(
            "exectask-observer failed stdin was cut short: got 3 of 9 bytes\n"));
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(
      strings = {
        "exectask-observer exited=",
        "exectask-observer exited=256",
        "exectask-observer exited=3 lost",
        "exectask-observer running away",
        "exectask-observer failed",
        "exectask-killer signalled=0 remaining=0"
      })
  void rejectsGarbageObservations(String stdout) {
    assertThrows(IllegalArgumentException.class, () -> InContainerScripts.parseObservation(stdout));
  }

  @ParameterizedTest
  @ValueSource(strings = {"wrapper.sh", "killer.sh", "observer.sh", "lib.sh"})
  void eachScriptStartsWithItsHeaderAndShipsWithoutComments(String name) throws IOException {
    String source;
    try (InputStream in = InContainerScripts.class.getResourceAsStream(name)) {
      source = new String(in.readAllBytes(), UTF_8);
    }
    String shipped =
        switch (name) {
          case "wrapper.sh" ->
              InContainerScripts.wrapper(UID, List.of("true"), List.of(), null, null).argv().get(2);
          case "killer.sh" -> InContainerScripts.killerCommand(UID, 0).get(2);
          case "observer.sh" -> InContainerScripts.observerCommand(UID).get(2);
          default -> lastShippedWithLibFirst();
        };

    assertTrue(source.startsWith("# exectask "), name + " starts with its header comment");
    assertFalse(shipped.lines().anyMatch(line -> line.strip().startsWith("#")));
    assertTrue(source.contains(shipped.lines().reduce((first, last) -> last).orElseThrow()));
  }

  /** lib.sh ships first in all three: its first code line opens each of them. */
  private static String lastShippedWithLibFirst() {
    String wrapper =
        InContainerScripts.wrapper(UID, List.of("true"), List.of(), null, null).argv().get(2);
    for (String shipped :
        List.of(
            InContainerScripts.killerCommand(UID, 0).get(2),
            InContainerScripts.observerCommand(UID).get(2))) {
      assertEquals(wrapper.lines().findFirst(), shipped.lines().findFirst());
    }
    assertEquals("nl='", wrapper.lines().findFirst().orElseThrow());
    return "}";
  }
}
