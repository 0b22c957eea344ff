package dev.servicemanager.compass.director;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** What the Director returns; GraphQL reads the record components by field name. */
final class Model {
  private Model() {}

  record Status(String condition, Instant timestamp, String message) {
    Status(String condition, Instant timestamp) {
      this(condition, timestamp, null);
    }
  }

  record Application(
      String id,
      String name,
      String providerName,
      String description,
      String baseUrl,
      String healthCheckURL,
      Status status,
      Map<String, Object> labels,
      List<Bundle> bundles,
      Instant createdAt,
      Instant updatedAt,
      List<Webhook> webhooks) {}

  record Webhook(
      String id,
      String applicationID,
      String runtimeID,
      String type,
      String url,
      Instant createdAt,
      List<WebhookDelivery> deliveries) {}

  /** payload is JSON text. */
  record WebhookDelivery(
      String id,
      String webhookID,
      String status,
      int attempts,
      Integer lastStatusCode,
      String lastError,
      Instant createdAt,
      Instant lastAttemptAt,
      Instant nextAttemptAt,
      Instant deliveredAt,
      String payload) {}

  record Bundle(
      String id,
      String applicationId,
      String name,
      String description,
      String instanceAuthRequestInputSchema,
      Map<String, Object> defaultInstanceAuth,
      List<ApiDefinition> apiDefinitions,
      List<EventDefinition> eventDefinitions,
      List<InstanceAuth> instanceAuths) {}

  record InstanceAuthStatus(String condition, Instant timestamp, String message, String reason) {}

  /** context and inputParams are JSON text (the JSON scalar); auth is the normalised Auth map. */
  record InstanceAuth(
      String id,
      String bundleId,
      String context,
      String inputParams,
      Map<String, Object> auth,
      InstanceAuthStatus status,
      String runtimeID) {}

  record Spec(String data, String type, String format) {}

  record Version(String value, Boolean deprecated, String deprecatedSince, Boolean forRemoval) {}

  record ApiDefinition(
      String id, String name, String description, Spec spec, String targetURL, String group, Version version) {}

  record EventDefinition(String id, String name, String description, String group, Spec spec, Version version) {}

  record Metadata(Instant creationTimestamp) {}

  record Runtime(
      String id,
      String name,
      String description,
      Map<String, Object> labels,
      Status status,
      Metadata metadata,
      String platformID,
      List<Webhook> webhooks) {}

  record Label(String key, Object value) {}

  record LabelDefinition(String key, String schema) {}

  record PageInfo(String startCursor, String endCursor, boolean hasNextPage) {}

  record Page<T>(List<T> data, PageInfo pageInfo, int totalCount) {}
}
