package dev.servicemanager.server.registry;

import dev.servicemanager.server.query.SqlFragment;
import java.util.List;
import java.util.Optional;

/**
 * What a platform calling with its basic credentials may read (reference 2.12, and Peripli's fix
 * for #559): its own platform record, the visibilities for it or public ones, and the plans,
 * offerings and brokers those visibilities reach. Administrators see everything. Whether the
 * offering, plan and broker scopes apply to a platform at all is {@link PlatformTypes}' decision.
 */
final class Scopes {
  private static final String VISIBLE_PLANS =
      "SELECT v.service_plan_id FROM visibilities v WHERE v.platform_id = ? OR v.platform_id IS NULL";

  private Scopes() {}

  static SqlFragment platforms(Optional<String> caller) {
    return caller.map(id -> new SqlFragment("t.id = ?", List.of(id))).orElse(SqlFragment.TRUE);
  }

  static SqlFragment visibilities(Optional<String> caller) {
    return caller
        .map(id -> new SqlFragment("(t.platform_id = ? OR t.platform_id IS NULL)", List.of(id)))
        .orElse(SqlFragment.TRUE);
  }

  static SqlFragment plans(Optional<String> caller) {
    return caller
        .map(id -> new SqlFragment("t.id IN (" + VISIBLE_PLANS + ")", List.of(id)))
        .orElse(SqlFragment.TRUE);
  }

  static SqlFragment offerings(Optional<String> caller) {
    return caller
        .map(
            id ->
                new SqlFragment(
                    "t.id IN (SELECT p.service_offering_id FROM service_plans p WHERE p.id IN ("
                        + VISIBLE_PLANS + "))",
                    List.of(id)))
        .orElse(SqlFragment.TRUE);
  }

  static SqlFragment brokers(Optional<String> caller) {
    return caller
        .map(
            id ->
                new SqlFragment(
                    "t.id IN (SELECT o.broker_id FROM service_offerings o JOIN service_plans p"
                        + " ON p.service_offering_id = o.id WHERE p.id IN (" + VISIBLE_PLANS + "))",
                    List.of(id)))
        .orElse(SqlFragment.TRUE);
  }
}
