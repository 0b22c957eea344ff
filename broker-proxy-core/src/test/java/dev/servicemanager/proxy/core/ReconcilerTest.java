package dev.servicemanager.proxy.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReconcilerTest {
  private static final String SM = "https://sm.example.com";
  private static final Instant T1 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant T2 = Instant.parse("2026-01-02T00:00:00Z");

  private final ProxySettings settings =
      new ProxySettings(SM, "platform-user", "platform-pass", "sm-", 2, Duration.ofSeconds(30), Duration.ofSeconds(5), 50, false);
  private final InMemoryPlatform platform = new InMemoryPlatform(SM + "/v1/osb/");
  private final Reconciler reconciler = new Reconciler(settings, platform);

  private final List<SmState.Broker> brokers = new ArrayList<>();
  private final List<SmState.Offering> offerings = new ArrayList<>();
  private final List<SmState.Plan> plans = new ArrayList<>();
  private final List<SmState.Visibility> visibilities = new ArrayList<>();

  @AfterEach
  void close() {
    reconciler.close();
  }

  private void smBroker(String id, String name, Instant updated, String... planIds) {
    brokers.removeIf(b -> b.id().equals(id));
    brokers.add(new SmState.Broker(id, name, "http://broker-" + id, updated));
    offerings.add(new SmState.Offering("o-" + id, id, "service-" + id));
    for (String planId : planIds) {
      plans.add(new SmState.Plan("p-" + planId, "o-" + id, planId, planId));
    }
    platform.catalogs.put(id, List.of(planIds));
  }

  private void visibility(String planId, String platformId, String... orgs) {
    visibilities.add(new SmState.Visibility("v" + visibilities.size(), platformId, "p-" + planId,
        orgs.length == 0 ? Map.of() : Map.of("organization_guid", List.of(orgs))));
  }

  private Reconciler.Report reconcile() {
    return reconciler.reconcile(new SmState(brokers, offerings, plans, visibilities));
  }

  @Test
  void anInactivePlatformIsLeftAloneUntilItBecomesActive() {
    smBroker("b1", "mysql", T1, "small");
    platform.active = false;
    assertThat(reconcile()).isEqualTo(new Reconciler.Report(0, 0, 0, 0, 0));
    assertThat(platform.calls).isEmpty();
    platform.active = true;
    assertThat(reconcile().created()).isEqualTo(1);
  }

  @Test
  void createsABrokerNamedPrefixNameIdThatPointsAtTheServiceManagersOsbEndpoint() {
    smBroker("b1", "mysql", T1, "small");
    Reconciler.Report report = reconcile();
    assertThat(report.created()).isEqualTo(1);
    assertThat(platform.brokers()).extracting(PlatformBroker::name, PlatformBroker::url)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("sm-mysql-b1", SM + "/v1/osb/b1"));
  }

  @Test
  void aSecondReconcileOfAnUnchangedStateChangesNothing() {
    smBroker("b1", "mysql", T1, "small");
    visibility("small", "platform-1", "org-a");
    reconcile();
    platform.calls.clear();
    Reconciler.Report report = reconcile();
    assertThat(report).isEqualTo(new Reconciler.Report(0, 0, 0, 0, 0));
    assertThat(platform.calls).isEmpty();
  }

  @Test
  void aChangedSmBrokerOrAMissingPlanMakesThePlatformFetchTheCatalogAgain() {
    smBroker("b1", "mysql", T1, "small");
    reconcile();
    smBroker("b1", "mysql", T2, "small");
    assertThat(reconcile().updated()).as("updated_at changed").isEqualTo(1);
    plans.add(new SmState.Plan("p-large", "o-b1", "large", "large"));
    platform.catalogs.put("b1", List.of("small", "large"));
    assertThat(reconcile().updated()).as("a plan SM shows is missing in the platform").isEqualTo(1);
    assertThat(platform.access("sm-mysql-b1", "large")).isNotNull();
    assertThat(reconcile().updated()).isZero();
  }

  @Test
  void aRenamedSmBrokerIsRenamedInThePlatform() {
    smBroker("b1", "mysql", T1, "small");
    reconcile();
    smBroker("b1", "mariadb", T1, "small");
    assertThat(reconcile().updated()).isEqualTo(1);
    assertThat(platform.brokers()).extracting(PlatformBroker::name).containsExactly("sm-mariadb-b1");
  }

  @Test
  void aPlatformBrokerWithTheSmBrokersNameAndUrlIsTakenOver() {
    PlatformBroker legacy = platform.add("mysql", "http://broker-b1");
    smBroker("b1", "mysql", T1, "small");
    Reconciler.Report report = reconcile();
    assertThat(report.created()).isZero();
    assertThat(platform.brokers()).containsExactly(new PlatformBroker(legacy.guid(), "sm-mysql-b1", SM + "/v1/osb/b1"));
  }

  @Test
  void staleAndDuplicateBrokersOfOursAreDeletedAndOthersAreNeverTouched() {
    PlatformBroker foreign = platform.add("someone", "http://elsewhere/v1/osb/b9");
    PlatformBroker otherSm = platform.add("sm-x-b9", "https://other-sm.example.com/v1/osb/b9");
    platform.add("sm-gone-b9", SM + "/v1/osb/b9");
    smBroker("b1", "mysql", T1, "small");
    reconcile();
    platform.add("sm-mysql-b1-copy", SM + "/v1/osb/b1");
    Reconciler.Report report = reconcile();
    assertThat(report.deleted()).isEqualTo(1);
    assertThat(platform.brokers()).extracting(PlatformBroker::name)
        .containsExactlyInAnyOrder("someone", "sm-x-b9", "sm-mysql-b1");
    assertThat(platform.calls).noneMatch(c -> c.contains(foreign.name()) || c.contains(otherSm.name()));
  }

  @Test
  void planAccessFollowsOrganizationsPublicAndRemoval() {
    smBroker("b1", "mysql", T1, "small", "large");
    visibility("small", "platform-1", "org-a", "org-b");
    reconcile();
    assertThat(platform.access("sm-mysql-b1", "small")).isEqualTo(Access.scopes(Set.of("org-a", "org-b")));
    assertThat(platform.access("sm-mysql-b1", "large")).isEqualTo(Access.scopes(Set.of()));

    visibilities.clear();
    visibility("small", "platform-1", "org-b", "org-c");
    reconcile();
    assertThat(platform.access("sm-mysql-b1", "small")).isEqualTo(Access.scopes(Set.of("org-b", "org-c")));

    visibilities.clear();
    visibility("small", null);
    reconcile();
    assertThat(platform.access("sm-mysql-b1", "small")).isEqualTo(Access.everyone());

    visibilities.clear();
    visibility("small", "platform-1", "org-a");
    reconcile();
    assertThat(platform.access("sm-mysql-b1", "small")).as("public closed before organizations are added")
        .isEqualTo(Access.scopes(Set.of("org-a")));

    visibilities.clear();
    reconcile();
    assertThat(platform.access("sm-mysql-b1", "small")).isEqualTo(Access.scopes(Set.of()));
  }

  @Test
  void aVisiblePlanWhoseOfferingWasNotReadYetIsSkippedWithoutFailingTheResync() {
    // Found by bench/ProxyLatencyBench: a public visibility created between the proxy's reads of
    // /v1/service_offerings and /v1/service_plans made every such resync fail with an NPE.
    smBroker("b1", "mysql", T1, "small");
    visibility("small", null);
    plans.add(new SmState.Plan("p-new", "o-not-read", "new", "new"));
    visibility("new", null);
    Reconciler.Report report = reconcile();
    assertThat(report.errors()).isZero();
    assertThat(platform.access("sm-mysql-b1", "small")).isEqualTo(Access.everyone());
  }

  @Test
  void aPlatformVisibilityWithoutOrganizationLabelsMakesThePlanPublic() {
    smBroker("b1", "mysql", T1, "small");
    visibility("small", "platform-1");
    reconcile();
    assertThat(platform.access("sm-mysql-b1", "small")).isEqualTo(Access.everyone());
  }

  @Test
  void aFailingBrokerDoesNotStopTheOthersAndIsRetriedNextTime() {
    smBroker("b1", "bad", T1, "small");
    smBroker("b2", "good", T1, "small2");
    visibility("small2", null);
    platform.failingNames = n -> n.startsWith("sm-bad");
    Reconciler.Report report = reconcile();
    assertThat(report.errors()).isEqualTo(1);
    assertThat(platform.brokers()).extracting(PlatformBroker::name).containsExactly("sm-good-b2");
    assertThat(platform.access("sm-good-b2", "small2")).isEqualTo(Access.everyone());

    platform.failingNames = n -> false;
    assertThat(reconcile().created()).isEqualTo(1);
    assertThat(platform.brokers()).extracting(PlatformBroker::name).containsExactlyInAnyOrder("sm-good-b2", "sm-bad-b1");
  }

  @Test
  void platformCallsRunInParallelButNeverMoreThanTheLimit() {
    for (int i = 0; i < 8; i++) {
      smBroker("b" + i, "broker", T1, "plan-" + i);
    }
    platform.callMillis = 50;
    reconcile();
    assertThat(platform.brokers()).hasSize(8);
    assertThat(platform.maxConcurrent.get()).isEqualTo(2);
  }

  @Test
  void aBrokerSmStillHasButNoLongerListsIsKeptAndItsPlansAreClosed() {
    Set<String> gone = new java.util.HashSet<>();
    try (Reconciler asking = new Reconciler(settings, platform, BrokerCredentials.platformOwn(settings), gone::contains)) {
      smBroker("b1", "mysql", T1, "small");
      visibility("small", null);
      asking.reconcile(new SmState(brokers, offerings, plans, visibilities));
      assertThat(platform.plans(platform.brokers())).allMatch(PlatformPlan::isPublic);

      // A narrowed list: SM still has b1, but this platform may no longer see any of its plans.
      Reconciler.Report report = asking.reconcile(new SmState(List.of(), List.of(), List.of(), List.of()));
      assertThat(report.deleted()).isZero();
      assertThat(platform.brokers()).extracting(PlatformBroker::name).containsExactly("sm-mysql-b1");
      assertThat(platform.plans(platform.brokers())).singleElement()
          .satisfies(p -> assertThat(p.isPublic()).isFalse())
          .satisfies(p -> assertThat(p.scopes()).isEmpty());

      gone.add("b1");
      assertThat(asking.reconcile(new SmState(List.of(), List.of(), List.of(), List.of())).deleted()).isEqualTo(1);
      assertThat(platform.brokers()).isEmpty();
    }
  }

  @Test
  void aRefusedDeleteIsReportedAndRetriedAndTouchesNothingElse() {
    smBroker("b1", "mysql", T1, "small");
    visibility("small", "platform-1", "org-a");
    reconcile();
    platform.failingNames = name -> name.equals("sm-mysql-b1");
    platform.calls.clear();

    Reconciler.Report first = reconciler.reconcile(new SmState(List.of(), List.of(), List.of(), List.of()));
    Reconciler.Report second = reconciler.reconcile(new SmState(List.of(), List.of(), List.of(), List.of()));
    assertThat(first.refusedDeletions()).containsExactly("sm-mysql-b1");
    assertThat(second.refusedDeletions()).containsExactly("sm-mysql-b1");
    assertThat(platform.calls).containsExactly("delete sm-mysql-b1", "delete sm-mysql-b1");
    assertThat(platform.plans(platform.brokers())).singleElement()
        .satisfies(p -> assertThat(p.scopes()).containsExactly("org-a"));

    platform.failingNames = name -> false;
    Reconciler.Report third = reconciler.reconcile(new SmState(List.of(), List.of(), List.of(), List.of()));
    assertThat(third.refusedDeletions()).isEmpty();
    assertThat(platform.brokers()).isEmpty();
  }
}
