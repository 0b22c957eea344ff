package dev.servicemanager.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NotificationFollowerTest {
  private final List<Long> resyncs = new CopyOnWriteArrayList<>();
  private final ProxyMetrics metrics = new ProxyMetrics();
  private FakeNotificationServer server;
  private NotificationFollower follower;

  @AfterEach
  void stop() throws Exception {
    if (follower != null) {
      follower.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private void follow(Duration ping) {
    ProxySettings settings = ProxySettings.defaults(server.url(), "platform-user", "platform-pass");
    follower = new NotificationFollower(settings, resyncs::add, metrics, Duration.ofMillis(20), Duration.ofMillis(100), ping);
    follower.start();
  }

  private static String notification(long revision) {
    return "{\"id\":\"n" + revision + "\",\"resource\":\"types.ServiceBroker\",\"type\":\"CREATED\",\"revision\":" + revision
        + ",\"payload\":{\"new\":{\"resource\":{}}}}";
  }

  private static void eventually(String what, BooleanSupplier condition) throws InterruptedException {
    Instant deadline = Instant.now().plusSeconds(5);
    while (!condition.getAsBoolean()) {
      if (Instant.now().isAfter(deadline)) {
        throw new AssertionError("timed out waiting until " + what);
      }
      Thread.sleep(10);
    }
  }

  @Test
  void aFirstConnectAsksForAFullResyncAndAReconnectResumesFromTheLastRevision() throws Exception {
    server = new FakeNotificationServer(n -> n == 0
        ? FakeNotificationServer.Answer.upgrade(true, notification(5), notification(6))
        : FakeNotificationServer.Answer.upgrade(false, notification(7)));
    follow(Duration.ofSeconds(10));

    eventually("the replayed notification arrived", () -> resyncs.contains(7L));
    assertThat(resyncs).containsExactly(-1L, 5L, 6L, 7L);
    assertThat(server.handshakes.get(0).requestLine()).startsWith("GET /v1/notifications HTTP/1.1");
    assertThat(server.handshakes.get(1).requestLine()).startsWith("GET /v1/notifications?last_notification_revision=6 ");
    assertThat(server.handshakes.get(0).headers().get("authorization"))
        .isEqualTo(SmClient.basic("platform-user", "platform-pass"));
    assertThat(follower.revision()).isEqualTo(7);
    // The listener can get the replayed frames before the handshake's completion marks the follower
    // connected (different threads): the state follows within moments.
    eventually("the follower reports connected", () -> metrics.followerState() == ProxyMetrics.FollowerState.CONNECTED);
  }

  @Test
  void aGoneRevisionIsForgottenAndFollowedByAFullResync() throws Exception {
    server = new FakeNotificationServer(n -> switch (n) {
      case 0 -> FakeNotificationServer.Answer.upgrade(true, notification(3));
      case 1 -> FakeNotificationServer.Answer.status(410);
      default -> FakeNotificationServer.Answer.upgrade(false);
    });
    follow(Duration.ofSeconds(10));

    eventually("reconnected after the 410", () -> server.handshakes.size() >= 3 && resyncs.size() >= 3);
    assertThat(server.handshakes.get(1).requestLine()).contains("last_notification_revision=3");
    assertThat(server.handshakes.get(2).requestLine()).startsWith("GET /v1/notifications HTTP/1.1");
    assertThat(resyncs).containsExactly(-1L, 3L, -1L);
  }

  @Test
  void noNotificationEndpointSwitchesTheFollowerOff() throws Exception {
    server = new FakeNotificationServer(n -> FakeNotificationServer.Answer.status(404));
    follow(Duration.ofSeconds(10));

    eventually("disabled", () -> metrics.followerState() == ProxyMetrics.FollowerState.DISABLED);
    Thread.sleep(300); // longer than the backoff: no further attempt may come
    assertThat(server.handshakes).hasSize(1);
    assertThat(resyncs).isEmpty();
  }

  @Test
  void otherFailuresAreRetriedWithBackoff() throws Exception {
    server = new FakeNotificationServer(n -> n < 2 ? FakeNotificationServer.Answer.status(503) : FakeNotificationServer.Answer.upgrade(false));
    follow(Duration.ofSeconds(10));
    eventually("connected on the third attempt", () -> metrics.followerState() == ProxyMetrics.FollowerState.CONNECTED);
    assertThat(server.handshakes).hasSize(3);
  }

  @Test
  void pingsKeepTheConnectionAlive() throws Exception {
    server = new FakeNotificationServer(n -> FakeNotificationServer.Answer.upgrade(false));
    follow(Duration.ofMillis(50));
    eventually("two pings", () -> server.pings.get() >= 2);
  }
}
