package dev.exectask.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.Objects;

/** One environment variable exported to the command. */
public class EnvVar {

  /** What a POSIX shell accepts as a variable name: the wrapper exports it. */
  public static final String NAME_PATTERN = "^[A-Za-z_][A-Za-z0-9_]*$";

  @Required
  @Pattern(NAME_PATTERN)
  @JsonPropertyDescription(
      "Name of the variable; letters, digits and underscores, not starting with a digit.")
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
