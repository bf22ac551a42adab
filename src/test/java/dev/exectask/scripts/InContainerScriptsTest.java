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
  void wrapperCommandPassesEverythingAsPositionalArguments() {
    List<String> command =
        InContainerScripts.wrapperCommand(
            UID,
            List.of("printf", "%s", "$(id)"),
            List.of(Map.entry("A", "x y"), Map.entry("B", "")),
            "/srv",
            12);

    assertEquals(List.of("sh", "-c"), command.subList(0, 2));
    assertEquals(
        List.of("exectask-wrapper", UID, "12", "/srv", "2", "A=x y", "B=", "printf", "%s", "$(id)"),
        command.subList(3, command.size()));
    assertFalse(command.get(2).contains(UID), "user input is never spliced into the script");
  }

  @Test
  void wrapperCommandDefaults() {
    List<String> command =
        InContainerScripts.wrapperCommand(UID, List.of("true"), List.of(), null, null);

    assertEquals(
        List.of("exectask-wrapper", UID, "-", "", "0", "true"), command.subList(3, command.size()));
  }

  @Test
  void killerAndObserverCommands() {
    List<String> killer = InContainerScripts.killerCommand(UID, 7);
    List<String> observer = InContainerScripts.observerCommand(UID);

    assertEquals(List.of("sh", "-c"), killer.subList(0, 2));
    assertEquals(List.of("exectask-killer", UID, "7"), killer.subList(3, killer.size()));
    assertEquals(List.of("sh", "-c"), observer.subList(0, 2));
    assertEquals(List.of("exectask-observer", UID), observer.subList(3, observer.size()));
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {"a b", "a;b", "$(id)", "ü", "a\nb", "../x", "a_b"})
  void rejectsTaskUidsOutsideTheAlphabet(String uid) {
    assertThrows(
        IllegalArgumentException.class,
        () -> InContainerScripts.wrapperCommand(uid, List.of("true"), List.of(), null, null));
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
    assertWrapperRejects(List.of("true"), List.of(), null, -1);
    assertWrapperRejects(List.of("true"), List.of(), null, InContainerScripts.MAX_STDIN_BYTES + 1);
    assertThrows(IllegalArgumentException.class, () -> InContainerScripts.killerCommand(UID, -1));
  }

  private static void assertWrapperRejects(
      List<String> argv, List<Map.Entry<String, String>> env, String dir, Integer stdin) {
    assertThrows(
        IllegalArgumentException.class,
        () -> InContainerScripts.wrapperCommand(UID, argv, env, dir, stdin));
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
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(
      strings = {
        "exectask-observer exited=",
        "exectask-observer exited=256",
        "exectask-observer exited=3 lost",
        "exectask-observer running",
        "exectask-killer signalled=0 remaining=0"
      })
  void rejectsGarbageObservations(String stdout) {
    assertThrows(IllegalArgumentException.class, () -> InContainerScripts.parseObservation(stdout));
  }

  @ParameterizedTest
  @ValueSource(strings = {"wrapper.sh", "killer.sh", "observer.sh"})
  void eachScriptStartsWithItsHeaderAndShipsWithoutComments(String name) throws IOException {
    String source;
    try (InputStream in = InContainerScripts.class.getResourceAsStream(name)) {
      source = new String(in.readAllBytes(), UTF_8);
    }
    String shipped =
        switch (name) {
          case "wrapper.sh" ->
              InContainerScripts.wrapperCommand(UID, List.of("true"), List.of(), null, null).get(2);
          case "killer.sh" -> InContainerScripts.killerCommand(UID, 0).get(2);
          default -> InContainerScripts.observerCommand(UID).get(2);
        };

    assertTrue(source.startsWith("# exectask "), name + " starts with its header comment");
    assertFalse(shipped.lines().anyMatch(line -> line.strip().startsWith("#")));
    assertTrue(source.contains(shipped.lines().reduce((first, last) -> last).orElseThrow()));
  }
}
