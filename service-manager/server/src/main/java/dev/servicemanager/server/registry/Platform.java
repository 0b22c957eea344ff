package dev.servicemanager.server.registry;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.servicemanager.server.store.Identified;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A platform as the API shows it. {@code credentials} is set only on create and regeneration;
 * {@code active} and {@code lastActive} say whether its agent holds a notification connection.
 */
@Serdeable(naming = SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Platform(
    String id,
    String name,
    String type,
    @Nullable String description,
    boolean suspended,
    boolean active,
    @Nullable Instant lastActive,
    @Nullable Credentials credentials,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, List<String>> labels,
    boolean ready,
    Instant createdAt,
    Instant updatedAt)
    implements Identified {

  public static final String SM_PLATFORM_ID = "service-manager";

  /** Peripli's shape: {@code {"basic": {"username", "password"}}}. */
  @Serdeable
  public record Credentials(Basic basic) {
    @Serdeable
    public record Basic(String username, String password) {
      @Override
      public String toString() {
        return "Basic[username=" + username + ", password=***]";
      }
    }
  }

  Platform withLabels(Map<String, List<String>> labels) {
    return new Platform(id, name, type, description, suspended, active, lastActive, credentials, labels, ready, createdAt, updatedAt);
  }

  Platform withCredentials(Credentials credentials) {
    return new Platform(id, name, type, description, suspended, active, lastActive, credentials, labels, ready, createdAt, updatedAt);
  }
}
