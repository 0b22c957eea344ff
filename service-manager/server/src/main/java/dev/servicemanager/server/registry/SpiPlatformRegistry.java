package dev.servicemanager.server.registry;

import dev.servicemanager.spi.platforms.PlatformRegistry;
import dev.servicemanager.spi.platforms.RegisteredPlatform;
import jakarta.inject.Singleton;

/** The plugins' way to platforms: the REST API's {@link PlatformService}, so nothing differs. */
@Singleton
class SpiPlatformRegistry implements PlatformRegistry {
  private final PlatformService platforms;

  SpiPlatformRegistry(PlatformService platforms) {
    this.platforms = platforms;
  }

  @Override
  public RegisteredPlatform register(String name, String type, String description) {
    Platform created =
        platforms.create(new PlatformRequests.Create(null, name, type, description, false, null));
    return new RegisteredPlatform(created.id(), created.name(), created.type(), credentials(created));
  }

  @Override
  public RegisteredPlatform.Credentials newCredentials(String platformId) {
    Platform updated =
        platforms.patch(platformId, new PlatformRequests.Patch(null, null, null, null, null), true);
    return credentials(updated);
  }

  @Override
  public void remove(String platformId) {
    // Checked first rather than catching the not-found error: an exception leaving the
    // transactional delete would mark the caller's whole transaction rollback-only.
    if (platforms.identity(platformId).isPresent()) {
      platforms.delete(platformId);
    }
  }

  @Override
  public java.util.Optional<dev.servicemanager.spi.platforms.PlatformActivity> activity(String platformId) {
    return platforms.activity(platformId);
  }

  private static RegisteredPlatform.Credentials credentials(Platform platform) {
    Platform.Credentials.Basic basic = platform.credentials().basic();
    return new RegisteredPlatform.Credentials(basic.username(), basic.password());
  }
}
