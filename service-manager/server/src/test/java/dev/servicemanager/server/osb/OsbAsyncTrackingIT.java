package dev.servicemanager.server.osb;

import static org.assertj.core.api.Assertions.assertThat;

import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import dev.servicemanager.server.store.Sql;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code sm.osb.tracking-commit=async}: the tracking transactions (only they) stop waiting for WAL
 * flushes, and still track. {@link OsbDurableTrackingIT} is the default.
 */
@MicronautTest(transactional = false)
class OsbAsyncTrackingIT extends OsbTestBase {
  private static final int PROVISIONS = 40;

  @Override
  protected Map<String, String> extraProperties() {
    return Map.of("sm.osb.tracking-commit", "async", "datasources.default.url", synchronousCommitOn(jdbcUrl()));
  }

  /**
   * The tests' shared PostgreSQL runs with synchronous_commit off (speed); the shipped embedded one
   * and any sane production one run with it on. These tests need the shipped behaviour.
   */
  static String synchronousCommitOn(String url) {
    return url + (url.contains("?") ? "&" : "?") + "options=-c%20synchronous_commit%3Don";
  }

  @Test
  void trackingCommitsRunWithoutWaitingForTheFlushAndStillRecordEverything() throws Exception {
    assertThat(trackingCommitSetting()).isEqualTo("off");
    // Only the tracking transactions: everything else keeps the database's setting.
    Sql sql = server.getApplicationContext().getBean(Sql.class);
    assertThat(sql.queryOne("SHOW synchronous_commit", List.of(), rs -> rs.getString(1))).contains("on");

    visible(smallPlanId, platformId);
    for (int i = 0; i < PROVISIONS; i++) {
      assertThat(osb("PUT", "/service_instances/a" + i, provisionBody(SMALL, k8sContext("a" + i))).status()).isEqualTo(201);
    }
    assertThat(row("SELECT count(*) AS n FROM service_instances WHERE id LIKE 'a%' AND ready").get("n"))
        .isEqualTo(String.valueOf(PROVISIONS));
    assertThat(row("SELECT count(*) AS n FROM operations WHERE resource_id LIKE 'a%' AND state = 'succeeded'").get("n"))
        .isEqualTo(String.valueOf(PROVISIONS));
    assertThat(osb("DELETE", "/service_instances/a0?service_id=" + SERVICE + "&plan_id=" + SMALL, null).status()).isEqualTo(200);
    assertThat(row("SELECT count(*) AS n FROM service_instances WHERE id = 'a0'").get("n")).isEqualTo("0");
  }
}
