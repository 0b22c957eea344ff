package dev.servicemanager.proxy.cf;

import dev.servicemanager.proxy.core.Platform;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Duration;

/** The Cloud Foundry {@link Platform}; broker-proxy-core builds the rest around it. */
@Factory
@Requires(property = "broker-proxy.enabled", value = "true")
final class CfProxyFactory {

  @Singleton
  CfSettings cfSettings(
      @Value("${cf.api-url}") String apiUrl,
      @Nullable @Value("${cf.client-id:}") String clientId,
      @Nullable @Value("${cf.client-secret:}") String clientSecret,
      @Nullable @Value("${cf.username:}") String username,
      @Nullable @Value("${cf.password:}") String password,
      @Value("${cf.job-poll-interval:2s}") Duration jobPollInterval,
      @Value("${cf.job-poll-timeout:1800s}") Duration jobPollTimeout,
      @Value("${cf.page-size:100}") int pageSize,
      @Value("${cf.request-timeout:10s}") Duration requestTimeout) {
    return new CfSettings(apiUrl, clientId, clientSecret, username, password, jobPollInterval, jobPollTimeout,
        pageSize, requestTimeout);
  }

  @Singleton
  Platform platform(CfSettings settings) {
    return new CfPlatform(new CloudController(settings));
  }
}
