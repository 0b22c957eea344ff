package dev.servicemanager.server.events;

import dev.servicemanager.server.store.Json;
import dev.servicemanager.server.store.Sql;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.context.ServerRequestContext;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The change log (transactional outbox): every create, update and delete of a platform, broker or
 * visibility appends one row in the same transaction, with a strictly increasing revision. The
 * payload already has the shape of a Peripli notification ({@code new}/{@code old} with {@code
 * resource} and {@code additional}, plus {@code label_changes}), because deleted resources cannot
 * be looked up later.
 */
@Singleton
public final class ChangeLog {
  public enum ChangeType {
    CREATED,
    MODIFIED,
    DELETED
  }

  /** One side of a change: the resource and what a consumer needs beside it (a broker's catalog). */
  public record Snapshot(Object resource, @Nullable Object additional) {
    Map<String, Object> toMap() {
      Map<String, Object> map = new LinkedHashMap<>();
      map.put("resource", resource);
      if (additional != null) {
        map.put("additional", additional);
      }
      return map;
    }
  }

  static final String CORRELATION_HEADER = "X-Correlation-ID";
  private final Sql sql;
  private final Json json;
  private final RegistryVersion registryVersion;

  ChangeLog(Sql sql, Json json, RegistryVersion registryVersion) {
    this.sql = sql;
    this.json = json;
    this.registryVersion = registryVersion;
  }

  /** Appends a change; returns its revision. {@code platformId} null means every platform. */
  public long record(
      String resourceType,
      String resourceId,
      ChangeType type,
      @Nullable String platformId,
      @Nullable Snapshot newState,
      @Nullable Snapshot oldState,
      @Nullable Object labelChanges) {
    Map<String, Object> payload = new LinkedHashMap<>();
    if (newState != null) {
      payload.put("new", newState.toMap());
    }
    if (oldState != null) {
      payload.put("old", oldState.toMap());
    }
    if (labelChanges != null) {
      payload.put("label_changes", labelChanges);
    }
    registryVersion.changed();
    return sql.queryOne(
            "INSERT INTO changes (resource_type, resource_id, change_type, platform_id, payload, correlation_id)"
                + " VALUES (?, ?, ?, ?, ?::jsonb, ?) RETURNING revision",
            java.util.Arrays.asList(
                resourceType, resourceId, type.name(), platformId, json.write(payload), correlationId()),
            rs -> rs.getLong(1))
        .orElseThrow();
  }

  // The caller's correlation id travels with the notification (reference 1.10); background work has none.
  @Nullable
  private static String correlationId() {
    return ServerRequestContext.currentRequest()
        .map(r -> r.getHeaders().get(CORRELATION_HEADER))
        .filter(v -> !v.isBlank() && v.length() <= 255)
        .orElse(null);
  }
}
