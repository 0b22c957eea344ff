package dev.servicemanager.server.events;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Broker-platform credentials (reference 1.11, 2.9) and their use on /v1/osb/{broker_id}. */
@MicronautTest(transactional = false)
class CredentialsIT extends NotificationTestBase {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private TestPlatform platform;
  private String brokerId;

  @BeforeEach
  void registry() {
    platform = platform("creds");
    brokerId = (String) registerBroker("creds-broker").get("id");
  }

  private Api asPlatform() {
    return anonymous().withAuthorization(platform.authorization());
  }

  private Api.Result put(Map<String, Object> body) {
    return asPlatform().send("PUT", "/v1/credentials", "application/json", Api.toJson(body));
  }

  private Api.Result put(String username, String password) {
    return put(Map.of("broker_id", brokerId, "username", username, "password", password));
  }

  private int catalog(String broker, String authorization) throws Exception {
    HttpResponse<String> response = HTTP.send(
        HttpRequest.newBuilder(URI.create(baseUrl() + "/v1/osb/" + broker + "/v2/catalog"))
            .header("Authorization", authorization)
            .header("X-Broker-API-Version", "2.17")
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
    return response.statusCode();
  }

  private String brokerNotificationId() throws Exception {
    return Long.toString(count("SELECT max(revision) FROM changes WHERE resource_type = '/v1/service_brokers' AND resource_id = '" + brokerId + "'"));
  }

  @Test
  void firstPutCreatesInactiveCredentialsThatWorkForThatBrokerOnly() throws Exception {
    Api.Result created = put("u1", "p1");
    assertThat(created.status()).as(created.toString()).isEqualTo(200);
    assertThat(created.json()).containsEntry("broker_id", brokerId).containsEntry("platform_id", platform.id())
        .containsEntry("username", "u1").containsEntry("active", false).containsKey("id").containsKey("password_hash").doesNotContainKey("password");
    assertThat(count("SELECT count(*) FROM broker_platform_credentials WHERE password_hash = encode(sha256('p1'), 'hex')")).isEqualTo(1);

    assertThat(catalog(brokerId, Api.basic("u1", "p1"))).isEqualTo(200);
    assertThat(catalog(brokerId, Api.basic("u1", "wrong"))).isEqualTo(401);
    assertThat(catalog(brokerId, Api.basic("nobody", "p1"))).isEqualTo(401);
    assertThat(catalog("another-broker", Api.basic("u1", "p1"))).as("only for its broker").isEqualTo(401);
    assertThat(catalog(brokerId, platform.authorization())).as("platform credentials still work").isEqualTo(200);
  }

  @Test
  void aBcryptPasswordHashAsPeripliAgentsSendItIsAccepted() throws Exception {
    // bcrypt("abc") at cost 4, produced by libxcrypt.
    Api.Result created = put(Map.of("broker_id", brokerId, "username", "agent",
        "password_hash", "$2b$04$abcdefghijklmnopqrstuuCi15uRb1eH7NAlJ/TgeJertyknQpYn2"));
    assertThat(created.status()).as(created.toString()).isEqualTo(200);
    assertThat(catalog(brokerId, Api.basic("agent", "abc"))).isEqualTo(200);
    assertThat(catalog(brokerId, Api.basic("agent", "abd"))).isEqualTo(401);
    assertThat(put(Map.of("broker_id", brokerId, "username", "agent", "password_hash", "not-bcrypt")).status()).isEqualTo(400);
    assertThat(put(Map.of("broker_id", brokerId, "username", "agent", "password", "p",
        "password_hash", "$2b$04$abcdefghijklmnopqrstuuCi15uRb1eH7NAlJ/TgeJertyknQpYn2")).status()).isEqualTo(400);
  }

  @Test
  void updatingActiveCredentialsWithoutANotificationIs409UnlessForced() {
    String id = put("u1", "p1").string("id");
    assertThat(asPlatform().send("PUT", "/v1/credentials/" + id + "/activate", "application/json", "{}").status()).isEqualTo(200);
    Api.Result again = put("u2", "p2");
    assertThat(again.status()).isEqualTo(409);
    assertThat(again.error()).isEqualTo("CredentialsError");
    Api.Result forced = asPlatform().send("PUT", "/v1/credentials?force=true", "application/json",
        Api.toJson(Map.of("broker_id", brokerId, "username", "u2", "password", "p2")));
    assertThat(forced.status()).as(forced.toString()).isEqualTo(200);
    assertThat(forced.string("id")).isEqualTo(id);
  }

  @Test
  void rotationKeepsTheOldPairValidUntilActivation() throws Exception {
    String id = put("u1", "p1").string("id");
    assertThat(asPlatform().send("PUT", "/v1/credentials/" + id + "/activate", "application/json", "{}").status()).isEqualTo(200);

    Api.Result rotated = put(Map.of("broker_id", brokerId, "username", "u2", "password", "p2", "notification_id", brokerNotificationId()));
    assertThat(rotated.status()).as(rotated.toString()).isEqualTo(200);
    assertThat(rotated.json()).containsEntry("active", false).containsEntry("username", "u2");
    assertThat(catalog(brokerId, Api.basic("u1", "p1"))).isEqualTo(200);
    assertThat(catalog(brokerId, Api.basic("u2", "p2"))).isEqualTo(200);

    assertThat(asPlatform().send("PUT", "/v1/credentials/" + id + "/activate", "application/json", "{}").status()).isEqualTo(200);
    assertThat(catalog(brokerId, Api.basic("u1", "p1"))).as("old pair dropped").isEqualTo(401);
    assertThat(catalog(brokerId, Api.basic("u2", "p2"))).isEqualTo(200);
  }

  @Test
  void aNotificationIdMustNameANotificationOfThatBroker() throws Exception {
    put("u1", "p1");
    String otherBroker = registerBrokerWithOtherCatalog();
    String othersNotification = Long.toString(count("SELECT max(revision) FROM changes WHERE resource_id = '" + otherBroker + "'"));
    Api.Result wrong = put(Map.of("broker_id", brokerId, "username", "u2", "password", "p2", "notification_id", othersNotification));
    assertThat(wrong.status()).isEqualTo(400);
    assertThat(wrong.error()).isEqualTo("CredentialsError");
    assertThat(put(Map.of("broker_id", brokerId, "username", "u2", "password", "p2", "notification_id", "999999")).status()).isEqualTo(400);
  }

  @Test
  void badRequestsAndUnknownIds() {
    assertThat(put(Map.of("broker_id", brokerId, "username", "u1")).status()).isEqualTo(400);
    assertThat(put(Map.of("username", "u1", "password", "p1")).status()).isEqualTo(400);
    assertThat(put(Map.of("broker_id", "no-such-broker", "username", "u1", "password", "p1")).status()).isEqualTo(404);
    assertThat(asPlatform().send("PUT", "/v1/credentials/no-such-id/activate", "application/json", "{}").status()).isEqualTo(404);

    String id = put("u1", "p1").string("id");
    TestPlatform stranger = platform("stranger");
    assertThat(anonymous().withAuthorization(stranger.authorization())
        .send("PUT", "/v1/credentials/" + id + "/activate", "application/json", "{}").status())
        .as("another platform's credentials are not found").isEqualTo(404);
  }

  @Test
  void onlyPlatformsMayPutCredentials() {
    String body = Api.toJson(Map.of("broker_id", brokerId, "username", "u1", "password", "p1"));
    assertThat(anonymous().send("PUT", "/v1/credentials", "application/json", body).status()).isEqualTo(401);
    assertThat(anonymous().withAuthorization(Api.basic("x", "y")).send("PUT", "/v1/credentials", "application/json", body).status()).isEqualTo(401);
    assertThat(admin().send("PUT", "/v1/credentials", "application/json", body).status()).isEqualTo(403);
  }

  private String registerBrokerWithOtherCatalog() {
    // A second broker over the same fake broker: plan ids are per broker in SM.
    Api.Result result = admin().post("/v1/service_brokers", brokerBody("creds-other"));
    if (result.status() != 201) {
      throw new AssertionError(result.toString());
    }
    return result.string("id");
  }
}
