package dev.servicemanager.proxy.cf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.servicemanager.proxy.core.Access;
import dev.servicemanager.proxy.core.BrokerRegistration;
import dev.servicemanager.proxy.core.PlatformBroker;
import dev.servicemanager.proxy.core.PlatformException;
import dev.servicemanager.proxy.core.PlatformPlan;
import dev.servicemanager.testkit.FakeBroker;
import dev.servicemanager.testkit.FakeCatalog;
import dev.servicemanager.testkit.Responder;
import dev.servicemanager.testkit.Route;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link CfPlatform} against the fake Cloud Controller; the CC fetches catalogs straight from a FakeBroker. */
class CfPlatformTest {
  private final FakeCloudController cc = new FakeCloudController().addOrganization("org-1", "one").addOrganization("org-2", "two");
  private final FakeBroker broker = FakeBroker.start();

  @AfterEach
  void stop() {
    cc.close();
    broker.close();
  }

  private CfPlatform platform(int pageSize) {
    return new CfPlatform(new CloudController(new CfSettings(cc.url(), FakeCloudController.CLIENT_ID,
        FakeCloudController.CLIENT_SECRET, null, null, Duration.ofMillis(5), Duration.ofSeconds(5), pageSize, Duration.ofSeconds(5))));
  }

  private BrokerRegistration registration(String name) {
    return new BrokerRegistration("id-" + name, name, broker.url(), broker.username(), broker.password());
  }

  @Test
  void brokersAreCreatedAndDeletedThroughPolledJobs() {
    cc.jobPolls(3);
    CfPlatform platform = platform(100);
    PlatformBroker created = platform.createBroker(registration("sm-a-1"));
    assertThat(created.name()).isEqualTo("sm-a-1");
    assertThat(cc.totalJobPolls()).isEqualTo(4);
    assertThat(platform.plans(List.of(created))).extracting(PlatformPlan::catalogPlanId, PlatformPlan::isPublic)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(FakeCatalog.SMALL_PLAN_ID, false),
            org.assertj.core.groups.Tuple.tuple(FakeCatalog.LARGE_PLAN_ID, false));

    platform.deleteBroker(created);
    assertThat(cc.totalJobPolls()).isEqualTo(8);
    assertThat(platform.brokers()).isEmpty();
  }

  @Test
  void anUpdateRenamesAndRefetchesTheCatalog() {
    CfPlatform platform = platform(100);
    PlatformBroker created = platform.createBroker(registration("old-name"));
    broker.catalog(FakeCatalog.generate(1, 3));
    PlatformBroker updated = platform.updateBroker(created, registration("new-name"));
    assertThat(updated).isEqualTo(new PlatformBroker(created.guid(), "new-name", broker.url()));
    assertThat(platform.plans(List.of(updated))).extracting(PlatformPlan::catalogPlanId)
        .containsExactlyInAnyOrder(FakeCatalog.planId(0, 0), FakeCatalog.planId(0, 1), FakeCatalog.planId(0, 2));
  }

  @Test
  void listsFollowTheAbsoluteNextHrefAndSkipSpaceScopedBrokers() {
    cc.addBroker("one", "http://127.0.0.1:1/a", null);
    cc.addBroker("two", "http://127.0.0.1:1/b", null);
    cc.addBroker("space", "http://127.0.0.1:1/c", "space-guid");
    cc.addBroker("three", "http://127.0.0.1:1/d", null);
    assertThat(platform(1).brokers()).extracting(PlatformBroker::name).containsExactly("one", "two", "three");
    assertThat(cc.log()).filteredOn(call -> call.equals("GET /v3/service_brokers")).hasSize(4);
  }

  @Test
  void ccErrorsAndFailedJobsCarryTheCcDetail() {
    CfPlatform platform = platform(100);
    platform.createBroker(registration("taken"));
    assertThatThrownBy(() -> platform.createBroker(registration("taken")))
        .isInstanceOf(PlatformException.class)
        .hasMessageContaining("422").hasMessageContaining("Name must be unique");

    broker.on(Route.CATALOG, Responder.error(500, "Boom", "catalog unavailable"));
    assertThatThrownBy(() -> platform.createBroker(registration("no-catalog")))
        .isInstanceOf(PlatformException.class)
        .hasMessageContaining("failed").hasMessageContaining("catalog unavailable");
  }

  @Test
  void planAccessGoesPublicAdminAndOrganizationsAndSkipsUnknownOrganizations() {
    CfPlatform platform = platform(100);
    PlatformBroker b = platform.createBroker(registration("sm-v-1"));
    PlatformPlan small = plan(platform, b, FakeCatalog.SMALL_PLAN_ID);

    platform.enableAccess(small, Access.everyone());
    assertThat(plan(platform, b, FakeCatalog.SMALL_PLAN_ID).isPublic()).isTrue();
    platform.disableAccess(plan(platform, b, FakeCatalog.SMALL_PLAN_ID), Access.everyone());
    assertThat(cc.plansOf("sm-v-1")).filteredOn(p -> p.catalogId().equals(FakeCatalog.SMALL_PLAN_ID))
        .extracting(FakeCloudController.PlanView::visibilityType).containsExactly("admin");

    platform.enableAccess(small, Access.scopes(Set.of("org-1", "org-unknown")));
    platform.enableAccess(small, Access.scopes(Set.of("org-2")));
    assertThat(plan(platform, b, FakeCatalog.SMALL_PLAN_ID).scopes()).containsExactlyInAnyOrder("org-1", "org-2");
    platform.disableAccess(small, Access.scopes(Set.of("org-1")));
    assertThat(plan(platform, b, FakeCatalog.SMALL_PLAN_ID).scopes()).containsExactly("org-2");
  }

  @Test
  void aUserCanLogInWithThePasswordGrantOfTheCfClient() {
    CfPlatform withUser = new CfPlatform(new CloudController(new CfSettings(cc.url(), null, null, "admin", "admin-password",
        Duration.ofMillis(5), Duration.ofSeconds(5), 100, Duration.ofSeconds(5))));
    assertThat(withUser.brokers()).isEmpty();
    CfPlatform wrong = new CfPlatform(new CloudController(new CfSettings(cc.url(), null, null, "admin", "nope",
        Duration.ofMillis(5), Duration.ofSeconds(5), 100, Duration.ofSeconds(5))));
    assertThatThrownBy(wrong::brokers).isInstanceOf(PlatformException.class).hasMessageContaining("UAA");
  }

  private static PlatformPlan plan(CfPlatform platform, PlatformBroker b, String catalogId) {
    return platform.plans(List.of(b)).stream().filter(p -> p.catalogPlanId().equals(catalogId)).findFirst().orElseThrow();
  }
}
