package dev.servicemanager.server.store;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/**
 * One label change of a PATCH body (reference 2.7): {@code add} (alias {@code add_values}) and
 * {@code remove} (alias {@code remove_values}; without values it drops the key).
 */
@Serdeable
@JsonIgnoreProperties(ignoreUnknown = false)
public record LabelChange(@Nullable String op, @Nullable String key, @Nullable List<String> values) {}
