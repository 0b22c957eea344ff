package dev.servicemanager.spi.brokers;

import java.util.Map;
import java.util.Set;

/**
 * Lets a plugin register a service broker it serves itself and control the platform-specific
 * visibilities of that broker's plans (for example the Compass adapter, whose applications are
 * services for its runtimes' platforms). The core implements it with the same services as the REST
 * API ({@code /v1/service_brokers}, {@code /v1/visibilities}), so catalog fetching, the change log
 * and notifications behave exactly as there.
 *
 * <p>Registering and refreshing call the broker's {@code GET /v2/catalog}: call them outside any
 * transaction and never from a request the broker itself is serving.
 */
public interface BrokerRegistry {
  /**
   * Registers a broker named {@code name}, or, when one of that name exists, sets its URL and
   * credentials (which also re-fetches its catalog).
   *
   * @return the Service Manager id of the broker
   * @throws dev.servicemanager.spi.ApiException when the broker cannot be reached or its catalog is refused
   */
  String ensureRegistered(String name, String url, String username, String password);

  /** Re-fetches the broker's catalog, as {@code PATCH /v1/service_brokers/{id}} with {@code {}} does. */
  void refresh(String brokerId);

  /**
   * Makes the platform-specific visibilities of the broker's plans exactly this set: creates the
   * missing ones and deletes the others; public visibilities (no platform) are left alone. Plans
   * are named by their catalog id (the broker's id of the plan); plan catalog ids the broker's
   * stored catalog does not hold and platforms that do not exist are skipped. Runs in one
   * transaction.
   */
  void setVisibilities(String brokerId, Map<String, Set<String>> platformIdsByPlanCatalogId);
}
