package dev.servicemanager.server.instances;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.servicemanager.server.operations.Operation;
import dev.servicemanager.server.store.Identified;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A service instance as the API shows it. Parameters are write-only (GET /{id}/parameters asks the broker). */
@Serdeable(naming = SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ServiceInstance(
    String id,
    String name,
    String servicePlanId,
    String platformId,
    Map<String, Object> context,
    @Nullable String dashboardUrl,
    @Nullable Map<String, Object> maintenanceInfo,
    boolean usable,
    boolean shared,
    @Nullable String referencedInstanceId,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, List<String>> labels,
    boolean ready,
    Instant createdAt,
    Instant updatedAt,
    @Nullable Operation lastOperation)
    implements Identified {

  ServiceInstance withLabels(Map<String, List<String>> labels) {
    return new ServiceInstance(id, name, servicePlanId, platformId, context, dashboardUrl, maintenanceInfo, usable,
        shared, referencedInstanceId, labels, ready, createdAt, updatedAt, lastOperation);
  }

  ServiceInstance withLastOperation(Operation operation) {
    return new ServiceInstance(id, name, servicePlanId, platformId, context, dashboardUrl, maintenanceInfo, usable,
        shared, referencedInstanceId, labels, ready, createdAt, updatedAt, operation);
  }
}
