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

/**
 * A service binding as the API shows it. {@code credentials} are filled in only on GET of that one
 * binding (and on a synchronous create); lists never carry them.
 */
@Serdeable(naming = SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ServiceBinding(
    String id,
    String name,
    String serviceInstanceId,
    @Nullable Map<String, Object> credentials,
    Map<String, Object> context,
    @Nullable String syslogDrainUrl,
    @Nullable String routeServiceUrl,
    @Nullable Object volumeMounts,
    @Nullable Object endpoints,
    @Nullable Object bindResource,
    @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, List<String>> labels,
    boolean ready,
    Instant createdAt,
    Instant updatedAt,
    @Nullable Operation lastOperation)
    implements Identified {

  ServiceBinding withLabels(Map<String, List<String>> labels) {
    return new ServiceBinding(id, name, serviceInstanceId, credentials, context, syslogDrainUrl, routeServiceUrl,
        volumeMounts, endpoints, bindResource, labels, ready, createdAt, updatedAt, lastOperation);
  }

  ServiceBinding withCredentials(Map<String, Object> credentials) {
    return new ServiceBinding(id, name, serviceInstanceId, credentials, context, syslogDrainUrl, routeServiceUrl,
        volumeMounts, endpoints, bindResource, labels, ready, createdAt, updatedAt, lastOperation);
  }

  ServiceBinding withLastOperation(Operation operation) {
    return new ServiceBinding(id, name, serviceInstanceId, credentials, context, syslogDrainUrl, routeServiceUrl,
        volumeMounts, endpoints, bindResource, labels, ready, createdAt, updatedAt, operation);
  }
}
