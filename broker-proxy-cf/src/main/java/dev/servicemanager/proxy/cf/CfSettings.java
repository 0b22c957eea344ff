package dev.servicemanager.proxy.cf;

import java.time.Duration;
import java.util.Objects;

/**
 * How to reach the Cloud Controller. Either {@code clientId}/{@code clientSecret} (client-credentials
 * grant) or {@code username}/{@code password} (password grant with the {@code cf} client and an empty
 * secret, as the cf CLI does) must be set.
 */
public record CfSettings(
    String apiUrl,
    String clientId,
    String clientSecret,
    String username,
    String password,
    Duration jobPollInterval,
    Duration jobPollTimeout,
    int pageSize,
    Duration requestTimeout) {

  public CfSettings {
    Objects.requireNonNull(apiUrl, "CF API URL");
    apiUrl = apiUrl.endsWith("/") ? apiUrl.substring(0, apiUrl.length() - 1) : apiUrl;
    boolean client = clientId != null && !clientId.isBlank();
    boolean user = username != null && !username.isBlank();
    if (!client && !user) {
      throw new IllegalArgumentException("set CF_CLIENT_ID/CF_CLIENT_SECRET or CF_USERNAME/CF_PASSWORD");
    }
    jobPollInterval = jobPollInterval == null ? Duration.ofSeconds(2) : jobPollInterval;
    jobPollTimeout = jobPollTimeout == null ? Duration.ofSeconds(1800) : jobPollTimeout;
    pageSize = pageSize < 1 ? 100 : pageSize;
    requestTimeout = requestTimeout == null ? Duration.ofSeconds(10) : requestTimeout;
  }

  boolean clientCredentials() {
    return clientId != null && !clientId.isBlank();
  }

  @Override
  public String toString() {
    return "CfSettings[apiUrl=" + apiUrl + ", clientId=" + clientId + ", username=" + username + "]";
  }
}
