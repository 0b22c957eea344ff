package dev.servicemanager.compass.provisioner;

/**
 * A failed provisioning step. Its message is shown as the operation's {@code lastError}, so it says
 * what went wrong and never contains secrets. Permanent failures end the operation at once;
 * transient ones are retried with backoff.
 */
public final class ProvisioningException extends RuntimeException {
  private final boolean permanent;

  private ProvisioningException(String message, boolean permanent) {
    super(message, null, false, false);
    this.permanent = permanent;
  }

  public static ProvisioningException permanent(String message) {
    return new ProvisioningException(message, true);
  }

  public static ProvisioningException transientFailure(String message) {
    return new ProvisioningException(message, false);
  }

  public boolean permanent() {
    return permanent;
  }
}
