package dev.servicemanager.server.registry;

/** A platform as authentication knows it: enough for the OSB endpoint's checks without another read. */
public record PlatformIdentity(String id, String name, String type, boolean suspended) {}
