package dev.servicemanager.server.store;

/** Every stored resource record has an id. */
public interface Identified {
  String id();
}
