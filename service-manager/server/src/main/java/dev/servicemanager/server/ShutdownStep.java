package dev.servicemanager.server;

/**
 * Work that must happen while the HTTP server still runs, before in-flight requests are drained
 * and the server stops: Netty closes open channels without a word, so whatever must tell a
 * connected client goodbye (websocket close code 1001) does it here.
 */
public interface ShutdownStep {
  /** Called once, from the shutdown thread; must return within a few seconds. */
  void beforeServerStop();
}
