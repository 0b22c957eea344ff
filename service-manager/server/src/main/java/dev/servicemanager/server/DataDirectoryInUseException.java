package dev.servicemanager.server;

import java.nio.file.Path;

/** Another live Service Manager owns the data directory; its message is the one line the operator sees. */
public final class DataDirectoryInUseException extends RuntimeException {
  DataDirectoryInUseException(Path dataDirectory, String ownerPid) {
    super(
        "Data directory "
            + dataDirectory
            + " is in use by a running Service Manager (pid "
            + ownerPid
            + "); stop it first or set SM_DATA_DIR to another directory",
        null,
        false,
        false);
  }
}
