package dev.exectask.exec;

/**
 * What a running command's exec has carried so far, read while it runs (the status shows progress)
 * without a copy of more than the tails.
 */
public final class LiveOutput {

  private volatile OutputTail stdout;
  private volatile OutputTail stderr;

  void attach(OutputTail stdout, OutputTail stderr) {
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** Null until the exec is opened. */
  public CapturedOutput stdout() {
    OutputTail tail = stdout;
    return tail == null ? null : tail.captured();
  }

  public CapturedOutput stderr() {
    OutputTail tail = stderr;
    return tail == null ? null : tail.captured();
  }

  /** Bytes of both streams so far: a cheap check for "nothing new". */
  public long totalBytes() {
    OutputTail out = stdout;
    OutputTail err = stderr;
    return (out == null ? 0 : out.totalBytes()) + (err == null ? 0 : err.totalBytes());
  }
}
