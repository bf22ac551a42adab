package dev.exectask.sandbox.node;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A command started by {@link EmulatedNode#exec}. Its exit value is nsenter's, which is the
 * command's own status (128+N after signal N). Its output streams are relays fed from FIFOs the
 * command holds open: they end when the last writer in the container closes them, not when nsenter
 * exits, and closing them never breaks the command's pipe. {@link #destroy()} ends nsenter only;
 * like an exec through a real runtime, the command itself runs on in the container.
 */
final class ExecProcess extends Process {
  private final Process nsenter;
  private final InputStream stdout;
  private final InputStream stderr;

  ExecProcess(Process nsenter, InputStream stdout, InputStream stderr) {
    this.nsenter = nsenter;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  @Override
  public OutputStream getOutputStream() {
    return nsenter.getOutputStream();
  }

  @Override
  public InputStream getInputStream() {
    return stdout;
  }

  @Override
  public InputStream getErrorStream() {
    return stderr;
  }

  @Override
  public int waitFor() throws InterruptedException {
    return nsenter.waitFor();
  }

  @Override
  public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    return nsenter.waitFor(timeout, unit);
  }

  @Override
  public int exitValue() {
    return nsenter.exitValue();
  }

  @Override
  public boolean isAlive() {
    return nsenter.isAlive();
  }

  @Override
  public long pid() {
    return nsenter.pid();
  }

  @Override
  public ProcessHandle toHandle() {
    return nsenter.toHandle();
  }

  @Override
  public ProcessHandle.Info info() {
    return nsenter.info();
  }

  @Override
  public Stream<ProcessHandle> children() {
    return nsenter.children();
  }

  @Override
  public Stream<ProcessHandle> descendants() {
    return nsenter.descendants();
  }

  @Override
  public CompletableFuture<Process> onExit() {
    return nsenter.onExit().thenApply(exited -> this);
  }

  @Override
  public boolean supportsNormalTermination() {
    return nsenter.supportsNormalTermination();
  }

  @Override
  public void destroy() {
    nsenter.destroy();
  }

  @Override
  public Process destroyForcibly() {
    nsenter.destroyForcibly();
    return this;
  }
}
