package dev.servicemanager.server.operations;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import dev.servicemanager.server.store.Identified;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.time.Instant;
import java.util.Map;

/**
 * A durable operation. The API shows the first group of fields; the engine's bookkeeping (broker
 * operation string, step, schedule, lease) is never serialised.
 */
@Serdeable(naming = SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Operation(
    String id,
    String type,
    String state,
    String resourceId,
    String resourceType,
    @Nullable String platformId,
    @Nullable String correlationId,
    @Nullable String description,
    @Nullable Map<String, Object> errors,
    @Nullable Instant deletionScheduled,
    Instant createdAt,
    Instant updatedAt,
    @JsonIgnore @Nullable String externalId,
    @JsonIgnore String step,
    @JsonIgnore Map<String, Object> context,
    @JsonIgnore @Nullable Instant nextAttemptAt,
    @JsonIgnore int attempts,
    @JsonIgnore @Nullable Instant pollDeadline,
    @JsonIgnore @Nullable Instant giveUpAt,
    @JsonIgnore @Nullable String leaseOwner,
    @JsonIgnore @Nullable Instant observedAt)
    implements Identified {

  public static final String CREATE = "create";
  public static final String UPDATE = "update";
  public static final String DELETE = "delete";
  public static final String IN_PROGRESS = "in progress";
  public static final String SUCCEEDED = "succeeded";
  public static final String FAILED = "failed";

  /**
   * Whether the polling deadline has passed, on the database's clock: {@code observedAt} is the
   * database's {@code now()} when the row was read, so every server judges time alike.
   */
  public boolean pastPollDeadline() {
    return pollDeadline != null && observedAt != null && observedAt.isAfter(pollDeadline);
  }

  public boolean inProgress() {
    return IN_PROGRESS.equals(state);
  }

  /** Still has work to do: in progress, or failed with orphan mitigation pending. */
  public boolean active() {
    return inProgress() || nextAttemptAt != null;
  }

  public String contextString(String key) {
    Object value = context.get(key);
    return value instanceof String s ? s : null;
  }
}
