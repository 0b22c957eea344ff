package dev.servicemanager.proxy.core;

/** A broker registered in the platform, identified by the platform's own id. */
public record PlatformBroker(String guid, String name, String url) {}
