package dev.servicemanager.server.security;

import io.micronaut.runtime.event.annotation.EventListener;
import io.micronaut.runtime.server.event.ServerStartupEvent;
import jakarta.inject.Singleton;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one line an operator needs after start: where it runs and how to get a token. */
@Singleton
final class StartupBanner {
  private static final Logger LOG = LoggerFactory.getLogger(StartupBanner.class);
  private final TokenSettings settings;

  StartupBanner(TokenSettings settings) {
    this.settings = settings;
  }

  @EventListener
  void onStartup(ServerStartupEvent event) {
    String url = settings.publicUrl();
    if (!settings.builtInIssuer()) {
      LOG.info("Service Manager ready at {} (tokens from {})", url, settings.issuer());
      return;
    }
    settings.clientSecret();
    Path file = settings.generatedSecretFile();
    String secret = file == null ? "$SM_ADMIN_CLIENT_SECRET" : "$(cat " + file + ")";
    LOG.info(
        "Service Manager ready at {} - admin token: curl -s -u {}:{} -d grant_type=client_credentials {}/oauth/token",
        url, settings.clientId(), secret, url);
  }
}
