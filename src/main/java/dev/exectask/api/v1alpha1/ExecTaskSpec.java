package dev.exectask.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What to run, where, and for how long. Immutable once created. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value = "has(self.podName) != has(self.podSelector)",
    message = "exactly one of podName or podSelector must be set")
@ValidationRule(value = "self == oldSelf", message = "spec is immutable")
public class ExecTaskSpec {

  public static final long DEFAULT_TIMEOUT_SECONDS = 3600;
  public static final long DEFAULT_START_TIMEOUT_SECONDS = 60;
  public static final long DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 10;
  public static final int MAX_COMMAND_ITEMS = 256;
  public static final int MAX_STDIN_BYTES = 256 * 1024;
  public static final int MAX_ENV_ITEMS = 256;

  @JsonPropertyDescription(
      "Name of the pod to run the command in, in the task's namespace. Exactly one of podName and"
          + " podSelector is set.")
  @Size(min = 1, max = 253)
  @Pattern(SpecValidator.DNS_SUBDOMAIN_PATTERN)
  private String podName;

  @JsonPropertyDescription(
      "Selects the pod to run the command in, in the task's namespace: the oldest Running and Ready"
          + " match, ties broken by name. Exactly one of podName and podSelector is set.")
  private LabelSelector podSelector;

  @JsonPropertyDescription(
      "Container to run the command in. Defaults to the pod's kubectl.kubernetes.io/default-container"
          + " annotation, else its first container.")
  @Size(min = 1, max = 63)
  @Pattern(SpecValidator.DNS_LABEL_PATTERN)
  private String container;

  @Required
  @Size(min = 1, max = MAX_COMMAND_ITEMS)
  @JsonPropertyDescription(
      "The command and its arguments, passed verbatim (an argv, not a shell line: write [sh, -c,"
          + " ...] to use a shell). 1 to 256 items.")
  private List<String> command = new ArrayList<>();

  @Size(max = MAX_STDIN_BYTES)
  @JsonPropertyDescription(
      "Text the command reads on its standard input, followed by end-of-file. At most 256 KiB."
          + " Without it the command reads an empty input.")
  private String stdin;

  @Size(max = MAX_ENV_ITEMS)
  @ValidationRule(
      value = "self.all(e, self.exists_one(f, f.name == e.name))",
      message = "env names must be unique")
  @JsonPropertyDescription(
      "Environment variables exported to the command, in order, on top of the container's own."
          + " Values never travel in the exec request's URL.")
  private List<EnvVar> env;

  @JsonPropertyDescription(
      "Directory the command starts in. Defaults to the container's working directory.")
  @Size(min = 1, max = 4096)
  private String workingDir;

  @Min(1)
  @Default("3600")
  @JsonPropertyDescription(
      "Seconds the command may run, counted from status.startTime. When they pass, its whole process"
          + " tree is killed and the task ends TimedOut. Defaults to 3600.")
  private Long timeoutSeconds;

  @Min(0)
  @Default("60")
  @JsonPropertyDescription(
      "Seconds the task may stay Pending while its pod or container is missing or not running,"
          + " before it fails. Defaults to 60.")
  private Long startTimeoutSeconds;

  @Min(0)
  @Default("10")
  @JsonPropertyDescription(
      "Seconds between SIGTERM and SIGKILL when the process tree is killed. Defaults to 10.")
  private Long terminationGracePeriodSeconds;

  @Min(0)
  @JsonPropertyDescription(
      "When set, the finished task is deleted this many seconds after status.completionTime.")
  private Integer ttlSecondsAfterFinished;

  @JsonIgnore
  public long effectiveTimeoutSeconds() {
    return timeoutSeconds == null ? DEFAULT_TIMEOUT_SECONDS : timeoutSeconds;
  }

  @JsonIgnore
  public long effectiveStartTimeoutSeconds() {
    return startTimeoutSeconds == null ? DEFAULT_START_TIMEOUT_SECONDS : startTimeoutSeconds;
  }

  @JsonIgnore
  public long effectiveTerminationGracePeriodSeconds() {
    return terminationGracePeriodSeconds == null
        ? DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS
        : terminationGracePeriodSeconds;
  }

  public String getPodName() {
    return podName;
  }

  public void setPodName(String podName) {
    this.podName = podName;
  }

  public LabelSelector getPodSelector() {
    return podSelector;
  }

  public void setPodSelector(LabelSelector podSelector) {
    this.podSelector = podSelector;
  }

  public String getContainer() {
    return container;
  }

  public void setContainer(String container) {
    this.container = container;
  }

  public List<String> getCommand() {
    return command;
  }

  public void setCommand(List<String> command) {
    this.command = command;
  }

  public String getStdin() {
    return stdin;
  }

  public void setStdin(String stdin) {
    this.stdin = stdin;
  }

  public List<EnvVar> getEnv() {
    return env;
  }

  public void setEnv(List<EnvVar> env) {
    this.env = env;
  }

  public String getWorkingDir() {
    return workingDir;
  }

  public void setWorkingDir(String workingDir) {
    this.workingDir = workingDir;
  }

  public Long getTimeoutSeconds() {
    return timeoutSeconds;
  }

  public void setTimeoutSeconds(Long timeoutSeconds) {
    this.timeoutSeconds = timeoutSeconds;
  }

  public Long getStartTimeoutSeconds() {
    return startTimeoutSeconds;
  }

  public void setStartTimeoutSeconds(Long startTimeoutSeconds) {
    this.startTimeoutSeconds = startTimeoutSeconds;
  }

  public Long getTerminationGracePeriodSeconds() {
    return terminationGracePeriodSeconds;
  }

  public void setTerminationGracePeriodSeconds(Long terminationGracePeriodSeconds) {
    this.terminationGracePeriodSeconds = terminationGracePeriodSeconds;
  }

  public Integer getTtlSecondsAfterFinished() {
    return ttlSecondsAfterFinished;
  }

  public void setTtlSecondsAfterFinished(Integer ttlSecondsAfterFinished) {
    this.ttlSecondsAfterFinished = ttlSecondsAfterFinished;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExecTaskSpec other
        && Objects.equals(podName, other.podName)
        && Objects.equals(podSelector, other.podSelector)
        && Objects.equals(container, other.container)
        && Objects.equals(command, other.command)
        && Objects.equals(stdin, other.stdin)
        && Objects.equals(env, other.env)
        && Objects.equals(workingDir, other.workingDir)
        && Objects.equals(timeoutSeconds, other.timeoutSeconds)
        && Objects.equals(startTimeoutSeconds, other.startTimeoutSeconds)
        && Objects.equals(terminationGracePeriodSeconds, other.terminationGracePeriodSeconds)
        && Objects.equals(ttlSecondsAfterFinished, other.ttlSecondsAfterFinished);
  }

  @Override
  public int hashCode() {
    return Objects.hash(podName, podSelector, container, command, workingDir, timeoutSeconds);
  }
}
