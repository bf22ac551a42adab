package dev.exectask.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** One environment variable exported to the command. */
@ValidationRule(
    value = "!self.name.startsWith('" + EnvVar.RESERVED_PREFIX + "')",
    message =
        "env names starting with " + EnvVar.RESERVED_PREFIX + " are reserved for the operator")
public class EnvVar {

  /** What a POSIX shell accepts as a variable name. */
  public static final String NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$";

  /** The operator's own variables (the task's marker) start so; a user value would break them. */
  public static final String RESERVED_PREFIX = "EXECTASK_";

  /**
   * Bounds the cost of the CRD's uniqueness rule (names compared pairwise), which the API server
   * estimates from the longest string allowed; no real variable name comes near it.
   */
  public static final int MAX_NAME_LENGTH = 256;

  @Required
  @Pattern(NAME_PATTERN)
  @Size(min = 1, max = MAX_NAME_LENGTH)
  @JsonPropertyDescription(
      "Name of the variable: letters, digits and underscores, not starting with a digit, at most"
          + " 256 characters, unique within env, not starting with EXECTASK_ (reserved). Any other"
          + " name works, including ones a shell uses itself (UID, PPID, IFS).")
  private String name;

  @JsonPropertyDescription("Value of the variable, passed verbatim. Defaults to the empty string.")
  private String value;

  public EnvVar() {}

  public EnvVar(String name, String value) {
    this.name = name;
    this.value = value;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public String getValue() {
    return value;
  }

  public void setValue(String value) {
    this.value = value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EnvVar other
        && Objects.equals(name, other.name)
        && Objects.equals(value, other.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, value);
  }
}
