package dev.exectask.api.v1alpha1;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.function.ToLongFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What the operator uses when a field is unset: the same defaults the CRD writes in. */
class ExecTaskSpecDefaultsTest {

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  static Stream<Arguments> durations() {
    return Stream.of(
        Arguments.of(
            "timeoutSeconds",
            3600L,
            (ToLongFunction<ExecTaskSpec>) ExecTaskSpec::effectiveTimeoutSeconds),
        Arguments.of(
            "startTimeoutSeconds",
            60L,
            (ToLongFunction<ExecTaskSpec>) ExecTaskSpec::effectiveStartTimeoutSeconds),
        Arguments.of(
            "terminationGracePeriodSeconds",
            10L,
            (ToLongFunction<ExecTaskSpec>) ExecTaskSpec::effectiveTerminationGracePeriodSeconds));
  }

  @ParameterizedTest(name = "{0} defaults to {1}")
  @MethodSource("durations")
  void unsetDurationTakesItsDefault(
      String field, long defaultValue, ToLongFunction<ExecTaskSpec> effective) {
    ExecTaskSpec spec =
        SERIALIZATION.unmarshal(
            "{\"podName\": \"demo\", \"command\": [\"true\"]}", ExecTaskSpec.class);
    assertEquals(defaultValue, effective.applyAsLong(spec));
  }

  @ParameterizedTest(name = "{0} keeps a set value")
  @MethodSource("durations")
  void setDurationIsKept(String field, long defaultValue, ToLongFunction<ExecTaskSpec> effective) {
    ExecTaskSpec spec =
        SERIALIZATION.unmarshal(
            "{\"podName\": \"demo\", \"command\": [\"true\"], \"" + field + "\": 7}",
            ExecTaskSpec.class);
    assertEquals(7L, effective.applyAsLong(spec));
  }

  @Test
  void zeroIsAValueNotAnAbsence() {
    ExecTaskSpec spec = new ExecTaskSpec();
    spec.setStartTimeoutSeconds(0L);
    spec.setTerminationGracePeriodSeconds(0L);
    assertEquals(0L, spec.effectiveStartTimeoutSeconds());
    assertEquals(0L, spec.effectiveTerminationGracePeriodSeconds());
  }

  @Test
  void effectiveValuesAreNotWrittenBack() {
    ExecTaskSpec spec = new ExecTaskSpec();
    spec.setPodName("demo");
    String json = SERIALIZATION.asJson(spec);
    assertFalse(json.contains("effective"), json);
    assertFalse(json.contains("timeoutSeconds"), json);
  }
}
