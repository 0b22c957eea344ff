package dev.servicemanager.proxy.core;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings every proxy shares (Peripli's {@code app.*} and {@code sm.*}, reference 4.1).
 *
 * @param smUrl the Service Manager's base URL, without a trailing slash; platform brokers point at
 *     {@code <smUrl>/v1/osb/<broker id>}
 * @param brokerPrefix put before every platform broker name (default {@code sm-})
 * @param maxParallelRequests how many platform calls run at once
 * @param resyncInterval time between two full resyncs
 * @param notifications whether to follow {@code /v1/notifications}; off when SM does not offer it
 */
public record ProxySettings(
    String smUrl,
    String smUsername,
    String smPassword,
    String brokerPrefix,
    int maxParallelRequests,
    Duration resyncInterval,
    Duration requestTimeout,
    int smPageSize,
    boolean notifications) {

  public ProxySettings {
    Objects.requireNonNull(smUrl, "SM URL");
    Objects.requireNonNull(smUsername, "SM username");
    Objects.requireNonNull(smPassword, "SM password");
    smUrl = smUrl.endsWith("/") ? smUrl.substring(0, smUrl.length() - 1) : smUrl;
    brokerPrefix = brokerPrefix == null ? "sm-" : brokerPrefix;
    if (maxParallelRequests < 1) {
      throw new IllegalArgumentException("max parallel requests must be at least 1");
    }
    if (resyncInterval == null || resyncInterval.isNegative() || resyncInterval.isZero()) {
      throw new IllegalArgumentException("the resync interval must be positive");
    }
    requestTimeout = requestTimeout == null ? Duration.ofSeconds(60) : requestTimeout;
    smPageSize = smPageSize < 1 ? 100 : smPageSize;
  }

  public static ProxySettings defaults(String smUrl, String username, String password) {
    return new ProxySettings(smUrl, username, password, "sm-", 5, Duration.ofSeconds(30), Duration.ofSeconds(60), 100, true);
  }

  public ProxySettings withResyncInterval(Duration interval) {
    return new ProxySettings(smUrl, smUsername, smPassword, brokerPrefix, maxParallelRequests, interval, requestTimeout, smPageSize, notifications);
  }

  /** The URL prefix of every broker that is ours: {@code <smUrl>/v1/osb/}. */
  public String osbPrefix() {
    return smUrl + "/v1/osb/";
  }

  @Override
  public String toString() {
    return "ProxySettings[smUrl=" + smUrl + ", smUsername=" + smUsername + ", brokerPrefix=" + brokerPrefix
        + ", maxParallelRequests=" + maxParallelRequests + ", resyncInterval=" + resyncInterval + "]";
  }
}
