package dev.servicemanager.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code <data-dir>/sm.lock}: an exclusive lock held for the life of the process that owns the data
 * directory. The operating system drops it when the process dies, however it dies, so a free lock
 * means that no Service Manager uses the directory any more, and a PostgreSQL still running on it
 * was left behind by a dead one.
 */
final class DataDirectoryLock implements AutoCloseable {
  static final String FILE_NAME = "sm.lock";
  private final FileChannel channel;
  private final FileLock lock;

  private DataDirectoryLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** Takes the lock and writes this process's pid into it, or fails at once if another holds it. */
  static DataDirectoryLock acquire(Path dataDirectory) {
    Path file = dataDirectory.resolve(FILE_NAME);
    FileChannel channel = null;
    try {
      Files.createDirectories(dataDirectory);
      // No TRUNCATE_EXISTING: the pid of a live owner must stay readable for the next one's message.
      channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock = tryLock(channel);
      if (lock == null) {
        String owner = readOwner(channel);
        channel.close();
        throw new DataDirectoryInUseException(dataDirectory, owner);
      }
      channel.truncate(0);
      channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
      channel.force(false);
      return new DataDirectoryLock(channel, lock);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new UncheckedIOException("Could not lock the data directory " + dataDirectory + ": " + e.getMessage(), e);
    }
  }

  private static FileLock tryLock(FileChannel channel) throws IOException {
    try {
      return channel.tryLock();
    } catch (OverlappingFileLockException e) {
      // Held by this very JVM (a second Service Manager started in-process on the same directory).
      return null;
    }
  }

  private static String readOwner(FileChannel channel) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocate(64);
    int read = channel.read(buffer, 0);
    String text = read <= 0 ? "" : new String(buffer.array(), 0, read, StandardCharsets.US_ASCII).trim();
    return text.matches("\\d+") ? text : "unknown";
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // Already failing with the original error.
      }
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
