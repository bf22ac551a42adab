package dev.exectask.sandbox.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * FIFOs made ahead of the execs that need them, a batch per mkfifo run: an exec takes two from here
 * instead of starting mkfifo itself, which at a hundred execs a second on a small node is a process
 * start per exec spent before the command's own. Java has no call that makes a FIFO.
 */
final class FifoPool {
  private static final Logger LOG = Logger.getLogger(FifoPool.class);

  /** FIFOs per mkfifo run: 32 execs' worth (a whole number of pairs). */
  static final int BATCH = 64;

  private final String mkfifo;
  private final Path dir;

  /** Names of this node's run only: a node that ended without cleaning up leaves others. */
  private final String prefix = "fifo-" + UUID.randomUUID().toString().substring(0, 8) + "-";

  private final Deque<Path> ready = new ArrayDeque<>();
  private long made;

  FifoPool(String mkfifo, Path dir) {
    this.mkfifo = mkfifo;
    this.dir = dir;
  }

  /** An exec's two output FIFOs; the exec removes them once they are open. */
  record Pair(Path stdout, Path stderr) {
    void remove() {
      FifoPool.remove(stdout);
      FifoPool.remove(stderr);
    }
  }

  /** Two FIFOs of mode 600 that nothing else has taken. */
  synchronized Pair take() throws ExecStartException {
    if (ready.isEmpty()) {
      refill();
    }
    return new Pair(ready.pop(), ready.pop());
  }

  private void refill() throws ExecStartException {
    List<Path> batch = new ArrayList<>(BATCH);
    List<String> argv = new ArrayList<>(List.of(mkfifo, "-m", "600"));
    for (int i = 0; i < BATCH; i++) {
      Path fifo = dir.resolve(prefix + made++);
      batch.add(fifo);
      argv.add(fifo.toString());
    }
    HostCommand.Result result = HostCommand.run(argv, null);
    if (!result.succeeded()) {
      batch.forEach(FifoPool::remove);
      throw new ExecStartException("cannot create the exec's output pipes: " + result.output());
    }
    ready.addAll(batch);
  }

  /** Removes the FIFOs no exec took. */
  synchronized void close() {
    ready.forEach(FifoPool::remove);
    ready.clear();
  }

  private static void remove(Path fifo) {
    try {
      Files.deleteIfExists(fifo);
    } catch (IOException e) {
      LOG.debugf(e, "Cannot remove the FIFO %s", fifo);
    }
  }
}
