package dev.servicemanager.proxy.cf;

import dev.servicemanager.proxy.testkit.ServiceManagerFixture;
import dev.servicemanager.proxy.testkit.SmAdmin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.servicemanager.proxy.core.ProxyMetrics;
import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.FakeCatalog;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The real Service Manager, the real proxy and the fake Cloud Controller, end to end. */
class CfProxyIT {
  // A bound, not a target: on a loaded 2-core machine a resync with three job polls can take seconds.
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final String ORG_1 = "org-guid-1";
  private static final String ORG_2 = "org-guid-2";

  private ServiceManagerFixture sm;
  private FakeCloudController cc;
  private ServiceManagerFixture.PlatformCredentials platform;
  private final List<FakeBroker> brokers = new ArrayList<>();
  private InProcessProxy proxy;

  @BeforeEach
  void start() {
    sm = new ServiceManagerFixture();
    cc = new FakeCloudController().jobPolls(2).addOrganization(ORG_1, "org-one").addOrganization(ORG_2, "org-two");
    platform = sm.registerCloudFoundry("cf-eu10");
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    cc.close();
    brokers.forEach(FakeBroker::close);
    sm.close();
  }

  private FakeBroker broker() {
    FakeBroker broker = FakeBroker.start();
    brokers.add(broker);
    return broker;
  }

  private String ccName(String smName, String smId) {
    return "sm-" + smName + "-" + smId;
  }

  private String osbUrl(String smId) {
    return sm.url + "/v1/osb/" + smId;
  }

  private FakeCloudController.PlanView plan(String brokerName, String catalogId) {
    return cc.plansOf(brokerName).stream().filter(p -> p.catalogId().equals(catalogId)).findFirst()
        .orElseThrow(() -> new AssertionError("no plan " + catalogId + " in CC broker " + brokerName));
  }

  @Test
  void aBrokerWithoutVisiblePlansIsRegisteredPrivateAndStaysWhenItsLastVisibilityGoes() {
    proxy = new InProcessProxy(sm.url, platform, cc);
    String id = sm.registerBroker("mysql", broker());
    String name = ccName("mysql", id);
    String small = sm.planId(id, FakeCatalog.SMALL_PLAN_ID);
    String large = sm.planId(id, FakeCatalog.LARGE_PLAN_ID);
    int pollsBefore = cc.totalJobPolls();

    // No visibility at all: Cloud Foundry enforces plan access itself, so the broker is there with
    // every plan private (registry/PlatformTypes).
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(cc.brokers()).extracting(FakeCloudController.BrokerView::name, FakeCloudController.BrokerView::url)
          .containsExactly(org.assertj.core.groups.Tuple.tuple(name, osbUrl(id)));
      assertThat(cc.plansOf(name)).hasSize(2).allSatisfy(p -> {
        assertThat(p.visibilityType()).isEqualTo("admin");
        assertThat(p.orgs()).isEmpty();
      });
    });
    assertThat(cc.brokerUsername(name))
        .as("the CC broker has its own broker-platform credentials, which SM accepted for the catalog fetch")
        .isNotEqualTo(platform.username());
    // The fake's jobs answer PROCESSING twice; plans exist only after the third poll ran the job.
    assertThat(cc.totalJobPolls() - pollsBefore).as("the create job was polled until complete").isGreaterThanOrEqualTo(3);

    String largeOrg = sm.orgVisibility(large, platform.id(), ORG_2);
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(plan(name, FakeCatalog.LARGE_PLAN_ID).visibilityType()).isEqualTo("organization");
      assertThat(plan(name, FakeCatalog.LARGE_PLAN_ID).orgs()).containsExactly(ORG_2);
      assertThat(plan(name, FakeCatalog.SMALL_PLAN_ID).visibilityType()).isEqualTo("admin");
    });

    String orgVisibility = sm.orgVisibility(small, platform.id(), ORG_1);
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(plan(name, FakeCatalog.SMALL_PLAN_ID).visibilityType()).isEqualTo("organization");
      assertThat(plan(name, FakeCatalog.SMALL_PLAN_ID).orgs()).containsExactly(ORG_1);
    });

    String publicVisibility = sm.publicVisibility(small);
    sm.admin.expect(200, sm.admin.delete("/v1/visibilities/" + orgVisibility));
    await().atMost(WAIT).untilAsserted(() -> assertThat(plan(name, FakeCatalog.SMALL_PLAN_ID).visibilityType()).isEqualTo("public"));

    sm.admin.expect(200, sm.admin.delete("/v1/visibilities/" + publicVisibility));
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(plan(name, FakeCatalog.SMALL_PLAN_ID).visibilityType()).isEqualTo("admin");
      assertThat(plan(name, FakeCatalog.SMALL_PLAN_ID).orgs()).isEmpty();
    });
    assertThat(plan(name, FakeCatalog.LARGE_PLAN_ID).orgs()).as("the other plan kept its organization").containsExactly(ORG_2);

    // The last visibility goes: plan access changes, the broker stays.
    sm.admin.expect(200, sm.admin.delete("/v1/visibilities/" + largeOrg));
    await().atMost(WAIT).untilAsserted(() -> assertThat(plan(name, FakeCatalog.LARGE_PLAN_ID).orgs()).isEmpty());
    long resyncs = proxy.metrics.resyncs();
    await().atMost(WAIT).until(() -> proxy.metrics.resyncs() >= resyncs + 2);
    assertThat(cc.brokers()).extracting(FakeCloudController.BrokerView::name).containsExactly(name);
    assertThat(cc.plansOf(name)).hasSize(2);
    assertThat(cc.log()).noneMatch(call -> call.startsWith("DELETE /v3/service_brokers"));
  }

  @Test
  void aBrokerRemovedFromSmWhileCfHasInstancesIsReportedRetriedAndDeletedOnceTheyAreGone() {
    String id = sm.registerBroker("busy", broker());
    String name = ccName("busy", id);
    sm.orgVisibility(sm.planId(id, FakeCatalog.SMALL_PLAN_ID), platform.id(), ORG_1);
    proxy = new InProcessProxy(sm.url, platform, cc);
    await().atMost(WAIT).untilAsserted(() -> assertThat(plan(name, FakeCatalog.SMALL_PLAN_ID).orgs()).containsExactly(ORG_1));
    cc.serviceInstances(name, 2);

    sm.admin.expect(200, sm.admin.delete("/v1/service_brokers/" + id));
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(proxy.metrics.refusedDeletions()).containsExactly(name);
      assertThat(proxy.metrics.prometheus()).contains("broker_proxy_broker_deletions_refused 1.0");
    });
    long attempts = cc.log().stream().filter(c -> c.startsWith("DELETE /v3/service_brokers")).count();
    await().atMost(WAIT).until(() -> cc.log().stream().filter(c -> c.startsWith("DELETE /v3/service_brokers")).count() > attempts);
    assertThat(cc.brokers()).extracting(FakeCloudController.BrokerView::name).containsExactly(name);
    assertThat(plan(name, FakeCatalog.SMALL_PLAN_ID).orgs()).as("plan access untouched").containsExactly(ORG_1);
    assertThat(cc.log()).as("no plan or visibility call behind the CC's back")
        .noneMatch(call -> call.startsWith("DELETE /v3/service_plans") || call.startsWith("PATCH /v3/service_plans"));

    cc.serviceInstances(name, 0);
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(cc.brokers()).isEmpty();
      assertThat(proxy.metrics.refusedDeletions()).isEmpty();
    });
  }

  @Test
  void aCatalogUpdateInTheServiceManagerIsRefreshedInTheCloudController() {
    FakeBroker broker = broker();
    broker.catalog(FakeCatalog.generate(2, 3));
    String id = sm.registerBroker("redis", broker);
    sm.publicVisibility(sm.planId(id, FakeCatalog.planId(0, 0)));
    proxy = new InProcessProxy(sm.url, platform, cc);
    String name = ccName("redis", id);
    await().atMost(WAIT).untilAsserted(() -> assertThat(cc.plansOf(name)).hasSize(6));

    broker.catalog(FakeCatalog.generate(1, 2));
    sm.admin.expect(200, sm.admin.patch("/v1/service_brokers/" + id, Map.of()));

    await().atMost(WAIT).untilAsserted(() -> assertThat(cc.plansOf(name))
        .extracting(FakeCloudController.PlanView::catalogId)
        .containsExactlyInAnyOrder(FakeCatalog.planId(0, 0), FakeCatalog.planId(0, 1)));
    assertThat(plan(name, FakeCatalog.planId(0, 0)).visibilityType()).as("kept its visibility").isEqualTo("public");
  }

  @Test
  void aBrokerDeletedInTheServiceManagerIsRemovedFromTheCloudController() {
    String keep = sm.registerBroker("keep", broker());
    String gone = sm.registerBroker("gone", broker());
    sm.publicVisibility(sm.planId(keep, FakeCatalog.SMALL_PLAN_ID));
    sm.publicVisibility(sm.planId(gone, FakeCatalog.SMALL_PLAN_ID));
    proxy = new InProcessProxy(sm.url, platform, cc);
    await().atMost(WAIT).untilAsserted(() -> assertThat(cc.brokers()).extracting(FakeCloudController.BrokerView::name)
        .containsExactlyInAnyOrder(ccName("keep", keep), ccName("gone", gone)));

    SmAdmin.Result deleted = sm.admin.delete("/v1/service_brokers/" + gone);
    assertThat(deleted.status()).as(deleted.toString()).isIn(200, 202);

    await().atMost(WAIT).untilAsserted(() -> assertThat(cc.brokers()).extracting(FakeCloudController.BrokerView::name)
        .containsExactly(ccName("keep", keep)));
    assertThat(cc.plansOf(ccName("gone", gone))).isEmpty();
  }

  @Test
  void aRestartedProxyConvergesWithoutDuplicates() {
    String stays = sm.registerBroker("stays", broker());
    String removed = sm.registerBroker("removed", broker());
    String stay = sm.planId(stays, FakeCatalog.SMALL_PLAN_ID);
    sm.orgVisibility(stay, platform.id(), ORG_1);
    sm.publicVisibility(sm.planId(removed, FakeCatalog.SMALL_PLAN_ID));
    proxy = new InProcessProxy(sm.url, platform, cc);
    await().atMost(WAIT).untilAsserted(() -> assertThat(cc.brokers()).hasSize(2));
    proxy.close();
    proxy = null;

    sm.admin.delete("/v1/service_brokers/" + removed);
    String added = sm.registerBroker("added", broker());
    sm.orgVisibility(sm.planId(added, FakeCatalog.LARGE_PLAN_ID), platform.id(), ORG_1, ORG_2);
    sm.publicVisibility(sm.planId(stays, FakeCatalog.LARGE_PLAN_ID));
    List<String> before = cc.log();

    proxy = new InProcessProxy(sm.url, platform, cc);
    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(cc.brokers()).extracting(FakeCloudController.BrokerView::name)
          .containsExactlyInAnyOrder(ccName("stays", stays), ccName("added", added));
      assertThat(plan(ccName("added", added), FakeCatalog.LARGE_PLAN_ID).orgs()).containsExactlyInAnyOrder(ORG_1, ORG_2);
      assertThat(plan(ccName("stays", stays), FakeCatalog.LARGE_PLAN_ID).visibilityType()).isEqualTo("public");
      assertThat(plan(ccName("stays", stays), FakeCatalog.SMALL_PLAN_ID).orgs()).containsExactly(ORG_1);
    });
    // Let a few more resyncs run: still exactly one CC broker per SM broker.
    long resyncs = proxy.metrics.resyncs();
    await().atMost(WAIT).until(() -> proxy.metrics.resyncs() >= resyncs + 2);
    Map<String, Long> perUrl = cc.brokers().stream()
        .collect(Collectors.groupingBy(FakeCloudController.BrokerView::url, Collectors.counting()));
    assertThat(perUrl).containsOnlyKeys(osbUrl(stays), osbUrl(added)).allSatisfy((url, n) -> assertThat(n).isEqualTo(1L));
    List<String> after = cc.log().subList(before.size(), cc.log().size());
    assertThat(after).as("only one broker was created after the restart")
        .filteredOn(call -> call.equals("POST /v3/service_brokers")).hasSize(1);
  }

  @Test
  void brokersThatAreNotOursStayUntouchedAndAMatchingOneIsTakenOver() {
    FakeBroker legacy = broker();
    FakeCloudController.BrokerView foreign = cc.addBroker("someone-elses", "http://127.0.0.1:9/broker", null);
    FakeCloudController.BrokerView spaceScoped = cc.addBroker("space-scoped", sm.url + "/v1/osb/not-in-sm", "space-guid");
    FakeCloudController.BrokerView preexisting = cc.addBroker("legacy", legacy.url(), null);
    String id = sm.registerBroker("legacy", legacy);
    sm.publicVisibility(sm.planId(id, FakeCatalog.SMALL_PLAN_ID));

    proxy = new InProcessProxy(sm.url, platform, cc);
    await().atMost(WAIT).untilAsserted(() -> assertThat(cc.brokers())
        .contains(new FakeCloudController.BrokerView(preexisting.guid(), ccName("legacy", id), osbUrl(id))));
    long resyncs = proxy.metrics.resyncs();
    await().atMost(WAIT).until(() -> proxy.metrics.resyncs() >= resyncs + 2);

    assertThat(cc.brokers()).containsExactlyInAnyOrder(foreign, spaceScoped,
        new FakeCloudController.BrokerView(preexisting.guid(), ccName("legacy", id), osbUrl(id)));
    assertThat(cc.log()).noneMatch(call -> call.contains(foreign.guid()) || call.contains(spaceScoped.guid()));
    assertThat(cc.log()).as("taken over, not created").doesNotContain("POST /v3/service_brokers");
  }

  @Test
  void aCloudControllerErrorOnOneBrokerDoesNotStopTheOthersAndIsRetried() {
    cc.rejectBrokerNames(name -> name.contains("refused"));
    String refused = sm.registerBroker("refused", broker());
    String fine = sm.registerBroker("fine", broker());
    sm.publicVisibility(sm.planId(refused, FakeCatalog.SMALL_PLAN_ID));
    sm.orgVisibility(sm.planId(fine, FakeCatalog.SMALL_PLAN_ID), platform.id(), ORG_1);
    proxy = new InProcessProxy(sm.url, platform, cc);

    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(cc.brokers()).extracting(FakeCloudController.BrokerView::name).containsExactly(ccName("fine", fine));
      assertThat(plan(ccName("fine", fine), FakeCatalog.SMALL_PLAN_ID).orgs()).containsExactly(ORG_1);
      assertThat(proxy.metrics.operationErrors()).isPositive();
    });

    cc.rejectBrokerNames(name -> false);
    await().atMost(WAIT).untilAsserted(() -> assertThat(cc.brokers()).extracting(FakeCloudController.BrokerView::name)
        .containsExactlyInAnyOrder(ccName("fine", fine), ccName("refused", refused)));
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(plan(ccName("refused", refused), FakeCatalog.SMALL_PLAN_ID).visibilityType()).isEqualTo("public"));
  }

  @Test
  void aNotificationBringsANewBrokerWithinSecondsWithoutWaitingForTheResyncInterval() {
    proxy = new InProcessProxy(sm.url, platform, cc, Duration.ofMinutes(10));
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(proxy.metrics.followerState()).isEqualTo(ProxyMetrics.FollowerState.CONNECTED));
    String id = sm.registerBroker("pushed", broker());
    sm.publicVisibility(sm.planId(id, FakeCatalog.SMALL_PLAN_ID));
    await().atMost(WAIT).untilAsserted(() -> assertThat(cc.brokers()).extracting(FakeCloudController.BrokerView::name)
        .containsExactly(ccName("pushed", id)));
    await().atMost(WAIT).untilAsserted(() ->
        assertThat(plan(ccName("pushed", id), FakeCatalog.SMALL_PLAN_ID).visibilityType()).isEqualTo("public"));
  }
}
