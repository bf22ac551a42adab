package dev.exectask.sandbox.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FifoPoolTest {
  @TempDir Path dir;

  private FifoPool pool() {
    String mkfifo = HostCommand.find("mkfifo");
    assumeTrue(mkfifo != null, "mkfifo is not installed");
    return new FifoPool(mkfifo, dir);
  }

  @Test
  void everyExecGetsFifosOfItsOwnBeyondOneBatch() throws Exception {
    FifoPool pool = pool();
    Set<Path> taken = new HashSet<>();
    for (int i = 0; i < FifoPool.BATCH / 2 + 3; i++) {
      FifoPool.Pair pair = pool.take();
      for (Path fifo : List.of(pair.stdout(), pair.stderr())) {
        assertTrue(taken.add(fifo), "handed out twice: " + fifo);
        assertTrue(
            Files.readAttributes(fifo, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .isOther(),
            fifo + " is not a FIFO");
        assertEquals(
            "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fifo)));
      }
    }
    pool.close();
  }

  @Test
  void closingRemovesTheFifosNoExecTook() throws Exception {
    FifoPool pool = pool();
    FifoPool.Pair taken = pool.take();
    pool.close();
    try (Stream<Path> left = Files.list(dir)) {
      assertEquals(Set.of(taken.stdout(), taken.stderr()), Set.copyOf(left.toList()));
    }
  }

  @Test
  void aDirectoryWhereNoFifoCanBeMadeFailsTheExecWithTheReason() throws IOException {
    String mkfifo = HostCommand.find("mkfifo");
    assumeTrue(mkfifo != null, "mkfifo is not installed");
    FifoPool pool = new FifoPool(mkfifo, dir.resolve("missing"));
    ExecStartException e = assertThrows(ExecStartException.class, pool::take);
    assertTrue(
        e.getMessage().startsWith("cannot create the exec's output pipes: "), e.getMessage());
    assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
  }
}
