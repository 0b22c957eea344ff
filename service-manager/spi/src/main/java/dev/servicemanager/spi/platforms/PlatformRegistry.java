package dev.servicemanager.spi.platforms;

/**
 * Lets a plugin register and remove Service Manager platforms (for example the Compass adapter,
 * whose runtimes are platforms). The core implements it with the same service as the REST API, so
 * the change log, credential generation and notifications behave exactly as for {@code POST
 * /v1/platforms}. Every method joins the caller's transaction when there is one.
 */
public interface PlatformRegistry {
  /**
   * Registers a platform with generated basic credentials.
   *
   * @throws dev.servicemanager.spi.ApiException when the name or type is refused
   */
  RegisteredPlatform register(String name, String type, String description);

  /** Generates a new pair of basic credentials for the platform (the REST API's regeneration). */
  RegisteredPlatform.Credentials newCredentials(String platformId);

  /** Removes the platform; a platform that no longer exists is not an error. */
  void remove(String platformId);

  /**
   * The platform's notification activity (its agent's websocket); empty for an unknown platform or
   * a registry that does not track it.
   */
  default java.util.Optional<PlatformActivity> activity(String platformId) {
    return java.util.Optional.empty();
  }
}
