package dev.servicemanager.server.store;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.util.List;

/**
 * A list response: {@code num_items} always (the count of everything that matches), {@code items}
 * unless {@code max_items=0}, and {@code token} only when there is a next page.
 */
@Serdeable(naming = SnakeCaseStrategy.class)
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Page<T>(long numItems, @Nullable List<T> items, @Nullable String token) {}
