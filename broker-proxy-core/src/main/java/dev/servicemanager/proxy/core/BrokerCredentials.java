package dev.servicemanager.proxy.core;

/**
 * The basic credentials a platform broker presents on {@code SM/v1/osb/<id>}. With the Service
 * Manager's broker-platform credentials (reference 1.11) every platform broker gets its own pair:
 * registered at SM, then used in the platform, then activated, so a leaked pair opens one broker only.
 */
public interface BrokerCredentials {

  /** A pair for one SM broker; {@code id} is SM's credentials id, or null for the platform's own pair. */
  record Issued(String id, String username, String password) {
    @Override
    public String toString() {
      return "Issued[id=" + id + ", username=" + username + ", password=***]";
    }
  }

  /** A new pair for the platform broker of {@code smBrokerId}, known to SM but not active yet. */
  Issued issue(String smBrokerId);

  /** Called once the platform broker uses the pair: SM drops the previous one. */
  void activate(Issued issued);

  /** Every platform broker uses the platform's own SM credentials (servers without /v1/credentials). */
  static BrokerCredentials platformOwn(ProxySettings settings) {
    return new BrokerCredentials() {
      @Override
      public Issued issue(String smBrokerId) {
        return new Issued(null, settings.smUsername(), settings.smPassword());
      }

      @Override
      public void activate(Issued issued) {}
    };
  }
}
