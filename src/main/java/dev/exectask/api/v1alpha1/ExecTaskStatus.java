package dev.exectask.api.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** What happened to the command, as last observed by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ExecTaskStatus {

  @JsonPropertyDescription(
      "Pending, Running, Succeeded, Failed or TimedOut. The last three are terminal.")
  private Phase phase;

  @JsonPropertyDescription(
      "Why the task is in its phase, one CamelCase word: Completed, NonZeroExitCode,"
          + " DeadlineExceeded, PodNotFound, ContainerNotFound, ContainerNotRunning, ShellNotFound,"
          + " PodDeleted, ContainerRestarted, ExecError or InvalidSpec.")
  private String reason;

  @JsonPropertyDescription("A human-readable sentence about the phase.")
  private String message;

  @JsonPropertyDescription("The pod the command runs or ran in (resolved from podSelector).")
  private String podName;

  @JsonPropertyDescription("The container the command runs or ran in (resolved from the default).")
  private String container;

  @JsonPropertyDescription(
      "ID of the container instance the command was started in; a different ID means the container"
          + " restarted and the command is gone.")
  private String containerID;

  @JsonPropertyDescription("When the command was started (RFC 3339). The timeout counts from here.")
  private String startTime;

  @JsonPropertyDescription("When the task reached its terminal phase (RFC 3339).")
  private String completionTime;

  @JsonPropertyDescription("How long the task ran, from startTime to completionTime, e.g. 1m5s.")
  private String duration;

  @JsonPropertyDescription(
      "The command's own exit code, when it exited by itself (128+N when it died of signal N).")
  private Integer exitCode;

  @JsonPropertyDescription("The last bytes of the command's standard output (valid UTF-8).")
  private String stdout;

  @JsonPropertyDescription("The last bytes of the command's standard error (valid UTF-8).")
  private String stderr;

  @JsonPropertyDescription("Total bytes the command wrote to standard output.")
  private Long stdoutBytes;

  @JsonPropertyDescription("Total bytes the command wrote to standard error.")
  private Long stderrBytes;

  @JsonPropertyDescription(
      "How many processes of the command's tree were signalled when it was killed, including"
          + " descendants left behind after the command itself exited.")
  private Integer killedProcesses;

  @JsonPropertyDescription("The metadata.generation the operator last acted on.")
  private Long observedGeneration;

  @JsonPropertyDescription(
      "Complete and Failed (as on a Job), Reconciling and Stalled (as kstatus reads them).")
  private List<Condition> conditions = new ArrayList<>();

  public Phase getPhase() {
    return phase;
  }

  public void setPhase(Phase phase) {
    this.phase = phase;
  }

  public String getReason() {
    return reason;
  }

  public void setReason(String reason) {
    this.reason = reason;
  }

  public String getMessage() {
    return message;
  }

  public void setMessage(String message) {
    this.message = message;
  }

  public String getPodName() {
    return podName;
  }

  public void setPodName(String podName) {
    this.podName = podName;
  }

  public String getContainer() {
    return container;
  }

  public void setContainer(String container) {
    this.container = container;
  }

  public String getContainerID() {
    return containerID;
  }

  public void setContainerID(String containerID) {
    this.containerID = containerID;
  }

  public String getStartTime() {
    return startTime;
  }

  public void setStartTime(String startTime) {
    this.startTime = startTime;
  }

  public String getCompletionTime() {
    return completionTime;
  }

  public void setCompletionTime(String completionTime) {
    this.completionTime = completionTime;
  }

  public String getDuration() {
    return duration;
  }

  public void setDuration(String duration) {
    this.duration = duration;
  }

  public Integer getExitCode() {
    return exitCode;
  }

  public void setExitCode(Integer exitCode) {
    this.exitCode = exitCode;
  }

  public String getStdout() {
    return stdout;
  }

  public void setStdout(String stdout) {
    this.stdout = stdout;
  }

  public String getStderr() {
    return stderr;
  }

  public void setStderr(String stderr) {
    this.stderr = stderr;
  }

  public Long getStdoutBytes() {
    return stdoutBytes;
  }

  public void setStdoutBytes(Long stdoutBytes) {
    this.stdoutBytes = stdoutBytes;
  }

  public Long getStderrBytes() {
    return stderrBytes;
  }

  public void setStderrBytes(Long stderrBytes) {
    this.stderrBytes = stderrBytes;
  }

  public Integer getKilledProcesses() {
    return killedProcesses;
  }

  public void setKilledProcesses(Integer killedProcesses) {
    this.killedProcesses = killedProcesses;
  }

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExecTaskStatus s
        && phase == s.phase
        && Objects.equals(reason, s.reason)
        && Objects.equals(message, s.message)
        && Objects.equals(podName, s.podName)
        && Objects.equals(container, s.container)
        && Objects.equals(containerID, s.containerID)
        && Objects.equals(startTime, s.startTime)
        && Objects.equals(completionTime, s.completionTime)
        && Objects.equals(duration, s.duration)
        && Objects.equals(exitCode, s.exitCode)
        && Objects.equals(stdout, s.stdout)
        && Objects.equals(stderr, s.stderr)
        && Objects.equals(stdoutBytes, s.stdoutBytes)
        && Objects.equals(stderrBytes, s.stderrBytes)
        && Objects.equals(killedProcesses, s.killedProcesses)
        && Objects.equals(observedGeneration, s.observedGeneration)
        && Objects.equals(conditions, s.conditions);
  }

  @Override
  public int hashCode() {
    return Objects.hash(phase, reason, podName, startTime, exitCode);
  }
}
