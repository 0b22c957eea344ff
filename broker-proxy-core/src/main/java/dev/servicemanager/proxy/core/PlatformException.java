package dev.servicemanager.proxy.core;

/** A platform call failed; the message carries the platform's own error text. */
public class PlatformException extends RuntimeException {
  private final int status;

  public PlatformException(int status, String message) {
    super(message);
    this.status = status;
  }

  public PlatformException(String message, Throwable cause) {
    super(message, cause);
    this.status = -1;
  }

  /** The HTTP status of the failed call, or -1 when there was none (network, timeout). */
  public int status() {
    return status;
  }
}
