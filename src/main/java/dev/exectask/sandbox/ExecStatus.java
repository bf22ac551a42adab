package dev.exectask.sandbox;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The {@code metav1.Status} documents the kubelet writes on the exec error channel, byte for byte
 * as it marshals them (no kind or apiVersion, fields in Go struct order), since clients parse them.
 */
final class ExecStatus {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ExecStatus() {}

  static String success() {
    ObjectNode status = JSON.createObjectNode();
    status.putObject("metadata");
    status.put("status", "Success");
    return status.toString();
  }

  static String nonZeroExitCode(List<String> command, int exitCode) {
    ObjectNode status = JSON.createObjectNode();
    status.putObject("metadata");
    status.put("status", "Failure");
    status.put(
        "message",
        "command terminated with non-zero exit code: error executing command "
            + goFormat(command)
            + ", exit code "
            + exitCode);
    status.put("reason", "NonZeroExitCode");
    ObjectNode cause = status.putObject("details").putArray("causes").addObject();
    cause.put("reason", "ExitCode");
    cause.put("message", Integer.toString(exitCode));
    return status.toString();
  }

  /** A runtime that could not start the command, e.g. runc's "executable file not found". */
  static String internalError(String runtimeMessage) {
    String error = "error executing command in container: " + runtimeMessage;
    ObjectNode status = JSON.createObjectNode();
    status.putObject("metadata");
    status.put("status", "Failure");
    status.put("message", "Internal error occurred: " + error);
    status.put("reason", "InternalError");
    status.putObject("details").putArray("causes").addObject().put("message", error);
    status.put("code", 500);
    return status.toString();
  }

  /**
   * kube-apiserver's answer to an exec into a pod whose kubelet does not answer: the dial error as
   * a plain Status (no reason), HTTP 500, before any upgrade.
   */
  static String unreachableKubelet() {
    ObjectNode status = JSON.createObjectNode();
    status.put("kind", "Status");
    status.put("apiVersion", "v1");
    status.putObject("metadata");
    status.put("status", "Failure");
    status.put("message", UNREACHABLE_KUBELET);
    status.put("code", 500);
    return status.toString();
  }

  static final String UNREACHABLE_KUBELET =
      "error dialing backend: dial tcp 10.0.0.1:10250: i/o timeout";

  /** How Go's {@code %v} prints a {@code []string}. */
  private static String goFormat(List<String> command) {
    return "[" + String.join(" ", command) + "]";
  }
}
