package dev.servicemanager.controlplane.client;

import io.micronaut.configuration.kafka.ConsumerRegistry;
import io.micronaut.configuration.kafka.annotation.KafkaListener;
import io.micronaut.context.BeanContext;
import io.micronaut.inject.BeanDefinition;
import io.micronaut.inject.qualifiers.Qualifiers;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which of this service's {@code @KafkaListener} consumers a target names:
 *
 * <ul>
 *   <li>{@code consumer-group:<g>}: listeners declared with {@code groupId = "g"}; the consumer id is
 *       the listener's {@code clientId} (with {@code -n} for extra threads), so give such listeners a
 *       {@code clientId};
 *   <li>{@code topic:<t>}: consumers subscribed to {@code t} (as Micronaut's registry reports it);
 *   <li>{@code pipeline:<p>}: the consumer ids listed in {@code control-plane.client.pipelines.p}.
 * </ul>
 *
 * Only thread-safe registry calls are used: never the KafkaConsumer itself, which its poll thread owns.
 */
final class ListenerTargets {
  private final ConsumerRegistry registry;
  private final Map<String, List<String>> pipelines;
  private final Map<String, String> groupOfClientId = new HashMap<>();

  ListenerTargets(BeanContext context, ConsumerRegistry registry, Map<String, List<String>> pipelines) {
    this.registry = registry;
    this.pipelines = pipelines;
    for (BeanDefinition<?> def : context.getBeanDefinitions(Qualifiers.byStereotype(KafkaListener.class))) {
      String group = def.stringValue(KafkaListener.class, "groupId")
          .or(() -> def.stringValue(KafkaListener.class)).orElse(null);
      def.stringValue(KafkaListener.class, "clientId").ifPresent(client -> {
        if (group != null) {
          groupOfClientId.put(client, group);
        }
      });
    }
  }

  Set<String> consumerIds() {
    return registry.getConsumerIds();
  }

  boolean matches(String consumerId, String targetKey) {
    int colon = targetKey.indexOf(':');
    if (colon < 0) {
      return false;
    }
    String kind = targetKey.substring(0, colon);
    String name = targetKey.substring(colon + 1);
    return switch (kind) {
      case "consumer-group" -> name.equals(group(consumerId));
      case "topic" -> subscription(consumerId).contains(name);
      case "pipeline" -> pipelines.getOrDefault(name, List.of()).contains(consumerId);
      default -> false;
    };
  }

  private String group(String consumerId) {
    for (Map.Entry<String, String> e : groupOfClientId.entrySet()) {
      if (consumerId.equals(e.getKey()) || consumerId.startsWith(e.getKey() + "-")) {
        return e.getValue();
      }
    }
    return null;
  }

  private Set<String> subscription(String consumerId) {
    try {
      return registry.getConsumerSubscription(consumerId);
    } catch (IllegalArgumentException e) {
      return Set.of(); // not subscribed yet
    }
  }
}
