package dev.servicemanager.proxy.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/** The part of the Service Manager's registry a platform may see, read for one resync. */
public record SmState(
    List<Broker> brokers, List<Offering> offerings, List<Plan> plans, List<Visibility> visibilities) {
  public SmState {
    brokers = List.copyOf(brokers);
    offerings = List.copyOf(offerings);
    plans = List.copyOf(plans);
    visibilities = List.copyOf(visibilities);
  }

  public record Broker(String id, String name, String brokerUrl, Instant updatedAt) {}

  public record Offering(String id, String brokerId, String catalogId) {}

  public record Plan(String id, String offeringId, String catalogId, String name) {}

  /** {@code platformId} null means every platform. */
  public record Visibility(String id, String platformId, String planId, Map<String, List<String>> labels) {
    public Visibility {
      labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
  }
}
