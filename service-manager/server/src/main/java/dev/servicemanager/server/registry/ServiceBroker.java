package dev.servicemanager.server.registry;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.servicemanager.server.store.Identified;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A broker as the API shows it: credentials are write-only and never part of it. */
@Serdeable(naming = SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ServiceBroker(
    String id,
    String name,
    @Nullable String description,
    String brokerUrl,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, List<String>> labels,
    boolean ready,
    Instant createdAt,
    Instant updatedAt)
    implements Identified {

  ServiceBroker withLabels(Map<String, List<String>> labels) {
    return new ServiceBroker(id, name, description, brokerUrl, labels, ready, createdAt, updatedAt);
  }
}
