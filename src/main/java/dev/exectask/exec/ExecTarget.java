package dev.exectask.exec;

/** The container a task's processes live in. */
public record ExecTarget(String namespace, String pod, String container) {

  @Override
  public String toString() {
    return namespace + "/" + pod + "/" + container;
  }
}
