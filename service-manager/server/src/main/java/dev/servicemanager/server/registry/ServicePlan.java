package dev.servicemanager.server.registry;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.servicemanager.server.store.Identified;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A service plan, created from a broker's catalog. Nullable flags inherit from the offering. */
@Serdeable(naming = SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ServicePlan(
    String id,
    String name,
    String description,
    String catalogId,
    String catalogName,
    @Nullable Boolean free,
    @Nullable Boolean bindable,
    @Nullable Boolean planUpdateable,
    Map<String, Object> metadata,
    @Nullable Map<String, Object> schemas,
    @Nullable Integer maximumPollingDuration,
    @Nullable Map<String, Object> maintenanceInfo,
    String serviceOfferingId,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, List<String>> labels,
    boolean ready,
    Instant createdAt,
    Instant updatedAt)
    implements Identified {

  ServicePlan withLabels(Map<String, List<String>> labels) {
    return new ServicePlan(id, name, description, catalogId, catalogName, free, bindable, planUpdateable,
        metadata, schemas, maximumPollingDuration, maintenanceInfo, serviceOfferingId, labels, ready,
        createdAt, updatedAt);
  }
}
