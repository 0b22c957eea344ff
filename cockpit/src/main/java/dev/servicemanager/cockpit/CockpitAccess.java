package dev.servicemanager.cockpit;

import dev.servicemanager.spi.access.Caller;
import dev.servicemanager.spi.access.RouteAccess;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.util.regex.Pattern;

/**
 * The console's static files are public (GET only, nothing else under the prefix exists): they hold
 * no data, and the page asks for a token before it calls any API. Answers only for {@code /cockpit},
 * so it can never open a core or another plugin's route.
 */
@Singleton
@Requires(property = "cockpit.enabled", notEquals = "false")
final class CockpitAccess implements RouteAccess {
  static final String PREFIX = "/cockpit";
  private static final Pattern STATIC = Pattern.compile("^/cockpit(/|/" + CockpitController.FILE_PATTERN + ")?$");

  @Override
  public Decision decide(String method, String path, @Nullable Caller caller) {
    if (!path.equals(PREFIX) && !path.startsWith(PREFIX + "/")) {
      return Decision.NOT_MINE;
    }
    boolean read = method.equals("GET") || method.equals("HEAD");
    return read && STATIC.matcher(path).matches() ? Decision.ALLOW : Decision.DENY;
  }
}
