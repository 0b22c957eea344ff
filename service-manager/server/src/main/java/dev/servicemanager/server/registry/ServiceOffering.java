package dev.servicemanager.server.registry;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.servicemanager.server.store.Identified;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A service offering, created from a broker's catalog; {@code catalog_id} is the broker's id. */
@Serdeable(naming = SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ServiceOffering(
    String id,
    String name,
    String description,
    boolean bindable,
    boolean instancesRetrievable,
    boolean bindingsRetrievable,
    boolean planUpdateable,
    boolean allowContextUpdates,
    List<Object> tags,
    List<Object> requires,
    Map<String, Object> metadata,
    String brokerId,
    String catalogId,
    String catalogName,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, List<String>> labels,
    boolean ready,
    Instant createdAt,
    Instant updatedAt)
    implements Identified {

  ServiceOffering withLabels(Map<String, List<String>> labels) {
    return new ServiceOffering(id, name, description, bindable, instancesRetrievable, bindingsRetrievable,
        planUpdateable, allowContextUpdates, tags, requires, metadata, brokerId, catalogId, catalogName,
        labels, ready, createdAt, updatedAt);
  }
}
