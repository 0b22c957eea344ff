package dev.servicemanager.server.registry;

import static dev.servicemanager.server.support.Api.q;
import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.server.support.ApiTestBase;
import dev.servicemanager.testkit.FakeCatalog;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Response;
import dev.servicemanager.testkit.Route;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * PATCHes of one broker run their catalog fetch outside any transaction; whatever commits in the
 * meantime must survive, and the catalog stored last must be the newest one fetched.
 */
@MicronautTest(transactional = false)
class ConcurrentBrokerChangesIT extends ApiTestBase {
  @Test
  void twoConcurrentPatchesOfDifferentFieldsKeepBothChanges() throws Exception {
    String id = registerBroker("original").get("id").toString();
    // The first fetch is held until the second PATCH has committed, so the first one's read is stale.
    CountDownLatch secondCommitted = new CountDownLatch(1);
    AtomicInteger fetches = new AtomicInteger();
    broker.on(Route.CATALOG, request -> {
      if (fetches.incrementAndGet() == 1) {
        secondCommitted.await(10, TimeUnit.SECONDS);
      }
      return Response.json(200, broker.catalog());
    });
    CompletableFuture<Api.Result> rename =
        CompletableFuture.supplyAsync(() -> admin().patch("/v1/service_brokers/" + id, Map.of("name", "renamed")));
    awaitFetches(fetches, 1);
    String newUrl = broker.url() + "/";
    Api.Result moved = admin().patch("/v1/service_brokers/" + id, Map.of("broker_url", newUrl));
    assertThat(moved.status()).as(moved.toString()).isEqualTo(200);
    secondCommitted.countDown();
    Api.Result renamed = rename.get(20, TimeUnit.SECONDS);

    assertThat(renamed.status()).as(renamed.toString()).isIn(200, 409);
    Map<String, Object> stored = admin().get("/v1/service_brokers/" + id).json();
    assertThat(stored.get("broker_url")).as("the concurrent URL change survives").isEqualTo(newUrl);
    if (renamed.status() == 200) {
      assertThat(stored.get("name")).isEqualTo("renamed");
      assertThat(fetches.get()).as("the stale PATCH fetched again").isEqualTo(3);
    } else {
      assertThat(renamed.string("error")).isEqualTo("ConcurrentResourceUpdate");
    }
  }

  @Test
  void aRefreshThatFetchedEarlierNeverCommitsItsOlderCatalogLast() throws Exception {
    String id = registerBroker("refreshing").get("id").toString();
    Map<String, Object> older = FakeCatalog.generate("older", 1, 1);
    Map<String, Object> newer = FakeCatalog.generate("newer", 1, 1);
    CountDownLatch newerCommitted = new CountDownLatch(1);
    AtomicInteger fetches = new AtomicInteger();
    broker.on(Route.CATALOG, request -> {
      int n = fetches.incrementAndGet();
      if (n == 1) {
        newerCommitted.await(10, TimeUnit.SECONDS);
        return Response.json(200, older);
      }
      return Response.json(200, newer);
    });
    CompletableFuture<Api.Result> slow =
        CompletableFuture.supplyAsync(() -> admin().patch("/v1/service_brokers/" + id, Map.of()));
    awaitFetches(fetches, 1);
    assertThat(admin().patch("/v1/service_brokers/" + id, Map.of()).status()).isEqualTo(200);
    newerCommitted.countDown();
    assertThat(slow.get(20, TimeUnit.SECONDS).status()).isIn(200, 409);

    List<Object> offeringCatalogIds =
        admin().get("/v1/service_offerings?fieldQuery=" + q("broker_id eq '" + id + "'")).items().stream()
            .map(o -> o.get("catalog_id"))
            .toList();
    assertThat(offeringCatalogIds).as("the offerings of the newest catalog").singleElement().asString().startsWith("newer");
  }

  private static void awaitFetches(AtomicInteger fetches, int n) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (fetches.get() < n) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the broker was not asked for its catalog");
      }
      Thread.sleep(10);
    }
  }
}
