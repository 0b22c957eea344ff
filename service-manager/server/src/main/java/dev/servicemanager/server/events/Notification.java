package dev.servicemanager.server.events;

import dev.servicemanager.server.store.Json;
import dev.servicemanager.server.store.Sql;
import io.micronaut.core.annotation.Nullable;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;

/**
 * One notification as agents receive it (reference 1.10), derived from a change-log row. The id is
 * the revision as a string: stable across servers and restarts, and what {@code PUT
 * /v1/credentials} receives back as {@code notification_id}.
 */
record Notification(
    long revision,
    String resource,
    String resourceId,
    String type,
    @Nullable String platformId,
    String payloadJson,
    @Nullable String correlationId,
    Instant createdAt) {

  static final String COLUMNS =
      "revision, resource_type, resource_id, change_type, platform_id, payload::text, correlation_id, created_at";

  /** Only brokers and visibilities are announced to platforms (reference section 4). */
  static final String ANNOUNCED = "resource_type IN ('/v1/service_brokers', '/v1/visibilities')";

  static Notification map(ResultSet rs) throws SQLException {
    return new Notification(
        rs.getLong(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getString(6),
        rs.getString(7),
        Sql.instant(rs, "created_at"));
  }

  String id() {
    return Long.toString(revision);
  }

  /** Broadcast ({@code platform_id} NULL) or addressed to this platform. */
  boolean isFor(String platform) {
    return platformId == null || platformId.equals(platform);
  }

  /** The text frame; the stored payload is already JSON, so it is embedded as it is. */
  String toFrame(Json json) {
    return "{\"id\":" + json.write(id())
        + ",\"resource\":" + json.write(resource)
        + ",\"type\":" + json.write(type)
        + ",\"platform_id\":" + (platformId == null ? "null" : json.write(platformId))
        + ",\"revision\":" + revision
        + ",\"payload\":" + payloadJson
        + ",\"correlation_id\":" + (correlationId == null ? "null" : json.write(correlationId))
        + ",\"created_at\":" + json.write(createdAt.toString())
        + "}";
  }
}
