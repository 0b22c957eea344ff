package dev.servicemanager.dist;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** What runs on an embedded data directory, seen from outside: postmaster.pid and the process table. */
final class Postgres {
  private Postgres() {}

  /** The pid written in {@code <data-dir>/postgres/postmaster.pid}, if the file is there. */
  static Optional<Long> recordedPid(Path dataDir) {
    Path file = dataDir.resolve("postgres").resolve("postmaster.pid");
    try {
      List<String> lines = Files.exists(file) ? Files.readAllLines(file) : List.of();
      return lines.isEmpty() || !lines.get(0).trim().matches("\\d+") ? Optional.empty() : Optional.of(Long.parseLong(lines.get(0).trim()));
    } catch (IOException e) {
      // Being rewritten by a starting server.
      return Optional.empty();
    }
  }

  /** Every live postgres process (postmaster or backend) started with {@code -D <data-dir>/postgres}. */
  static List<ProcessHandle> processesOn(Path dataDir) {
    String pgData = dataDir.resolve("postgres").toString();
    return ProcessHandle.allProcesses()
        .filter(ProcessHandle::isAlive)
        .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false))
        .filter(p -> p.info().arguments().map(a -> Arrays.asList(a).contains(pgData)).orElse(false))
        .toList();
  }
}
