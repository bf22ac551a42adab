package dev.exectask.sandbox.node;

/**
 * An exec that never started: the container or pod is not there, or the command is missing. The
 * message is worded as the container runtime reports it, so the API can pass it on unchanged.
 */
public class ExecStartException extends Exception {
  private static final long serialVersionUID = 1L;

  public ExecStartException(String message) {
    super(message);
  }
}
