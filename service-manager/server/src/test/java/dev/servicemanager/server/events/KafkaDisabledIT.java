package dev.servicemanager.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.context.ApplicationContext;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** Without kafka.bootstrap.servers nothing Kafka-related starts, and retention works as before. */
@MicronautTest(transactional = false)
class KafkaDisabledIT extends NotificationTestBase {
  @Inject ApplicationContext context;

  @Test
  void noRelayWithoutBootstrapServers() throws Exception {
    registerBroker("no-kafka");
    assertThat(context.containsBean(KafkaRelay.class)).isFalse();
    assertThat(context.getProperty("kafka.bootstrap.servers", String.class)).isEmpty();
    assertThat(count("SELECT count(*) FROM relay_positions")).isZero();
    assertThat(count("SELECT count(*) FROM changes")).isPositive();
  }
}
