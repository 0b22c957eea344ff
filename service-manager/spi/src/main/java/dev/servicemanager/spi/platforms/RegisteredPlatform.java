package dev.servicemanager.spi.platforms;

/**
 * A platform registered through {@link PlatformRegistry}.
 *
 * @param credentials the basic credentials the platform's agent authenticates with; shown once
 */
public record RegisteredPlatform(String id, String name, String type, Credentials credentials) {

  /** Basic credentials; {@link #toString()} never shows the password. */
  public record Credentials(String username, String password) {
    @Override
    public String toString() {
      return "Credentials[username=" + username + ", password=***]";
    }
  }
}
