package dev.servicemanager.server.registry;

import java.util.UUID;

/** Client-chosen ids (platforms, brokers, visibilities) must be usable in a URL path as they are. */
public final class Ids {
  // RFC 3986 unreserved characters only.
  public static final String PATTERN = "^[A-Za-z0-9._~-]+$";
  public static final String MESSAGE = "may contain only letters, digits and . _ ~ - (at most 50 characters)";

  private Ids() {}

  public static String orNew(String id) {
    return id == null ? UUID.randomUUID().toString() : id;
  }
}
