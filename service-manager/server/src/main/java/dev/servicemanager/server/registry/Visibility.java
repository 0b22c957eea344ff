package dev.servicemanager.server.registry;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.servicemanager.server.store.Identified;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Makes a plan visible on one platform, or on all of them when {@code platform_id} is null. */
@Serdeable(naming = SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Visibility(
    String id,
    @Nullable String platformId,
    String servicePlanId,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, List<String>> labels,
    boolean ready,
    Instant createdAt,
    Instant updatedAt)
    implements Identified {

  Visibility withLabels(Map<String, List<String>> labels) {
    return new Visibility(id, platformId, servicePlanId, labels, ready, createdAt, updatedAt);
  }
}
