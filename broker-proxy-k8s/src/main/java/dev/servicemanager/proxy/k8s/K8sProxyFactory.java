package dev.servicemanager.proxy.k8s;

import dev.servicemanager.proxy.core.Platform;
import dev.servicemanager.proxy.core.ProxyMetrics;
import dev.servicemanager.proxy.core.ProxySettings;
import io.kubernetes.client.openapi.ApiClient;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Requires;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import java.time.Duration;

/**
 * The Kubernetes beans; broker-proxy-core builds the broker-mode resync around {@link Platform}. The
 * {@link ApiClient} comes from micronaut-kubernetes-client: in-cluster service account, {@code KUBECONFIG}
 * or {@code ~/.kube/config} ({@code ClientBuilder.standard()}), or {@code kubernetes.client.*} settings.
 */
@Factory
@Requires(property = "broker-proxy.enabled", value = "true")
final class K8sProxyFactory {

  @Singleton
  K8sSettings k8sSettings(
      @Value("${k8s.broker-mode:auto}") String brokerMode,
      @Nullable @Value("${k8s.target-namespace:}") String targetNamespace,
      @Value("${k8s.secret-namespace:default}") String secretNamespace,
      @Nullable @Value("${k8s.operator.namespace:}") String watchNamespace,
      @Value("${k8s.operator.poll-interval:5s}") Duration pollInterval,
      @Value("${k8s.operator.retry-min:10s}") Duration retryMin,
      @Value("${k8s.operator.retry-max:5m}") Duration retryMax,
      @Value("${k8s.cluster-id:kubernetes}") String clusterId) {
    return new K8sSettings(brokerMode, targetNamespace, secretNamespace, watchNamespace, pollInterval,
        retryMin, retryMax, clusterId);
  }

  /**
   * With {@code SM_CONNECTOR_URL} (a runtime made by the Compass Runtime Provisioner) the agent has no
   * {@code SM_USERNAME}/{@code SM_PASSWORD}: it pairs itself with {@code SM_ONE_TIME_TOKEN} at start, or
   * uses the credentials it kept in {@code K8S_CREDENTIALS_SECRET} (see {@link Pairing}). Startup waits
   * until it has credentials.
   */
  @Singleton
  @io.micronaut.context.annotation.Replaces(ProxySettings.class)
  @Requires(property = "sm.connector-url")
  ProxySettings pairedSettings(
      ApiClient client,
      @Value("${sm.url}") String smUrl,
      @Value("${sm.connector-url}") String connectorUrl,
      @Value("${sm.one-time-token:}") String token,
      @Value("${k8s.secret-namespace:default}") String secretNamespace,
      @Value("${k8s.credentials-secret:broker-proxy-k8s-credentials}") String secretName,
      @Value("${k8s.pairing.retry-min:5s}") Duration retryMin,
      @Value("${k8s.pairing.retry-max:5m}") Duration retryMax,
      @Value("${proxy.broker-prefix:sm-}") String prefix,
      @Value("${proxy.max-parallel-requests:5}") int maxParallel,
      @Value("${proxy.resync-interval:30s}") Duration resyncInterval,
      @Value("${sm.request-timeout:60s}") Duration timeout,
      @Value("${sm.page-size:100}") int pageSize,
      @Value("${proxy.notifications.enabled:true}") boolean notifications) throws InterruptedException {
    Pairing.Credentials credentials =
        new Pairing(client, secretNamespace, secretName, connectorUrl, () -> token, retryMin, retryMax).credentials();
    return new ProxySettings(smUrl, credentials.username(), credentials.password(), prefix, maxParallel, resyncInterval,
        timeout, pageSize, notifications);
  }

  @Singleton
  KubeApi kubeApi(ApiClient client) {
    return new KubeApi(client);
  }

  @Singleton
  Platform platform(KubeApi kube, K8sSettings settings) {
    return new K8sPlatform(kube, settings);
  }

  /** Operator mode needs SM's admin client (see README): without {@code SM_CLIENT_SECRET} it stays off. */
  @Singleton
  @Bean(preDestroy = "close")
  @Requires(property = "k8s.operator.enabled", notEquals = "false")
  @Requires(property = "sm.client-secret")
  Operator operator(
      KubeApi kube,
      K8sSettings settings,
      ProxySettings proxy,
      ProxyMetrics metrics,
      @Value("${sm.client-id:admin}") String clientId,
      @Value("${sm.client-secret}") String clientSecret,
      @Nullable @Value("${sm.token-url:}") String tokenUrl) {
    SmApi sm = new SmApi(proxy.smUrl(), proxy.smUsername(), proxy.smPassword(), tokenUrl, clientId, clientSecret,
        proxy.requestTimeout());
    Operator operator = new Operator(kube, sm, settings, proxy.resyncInterval());
    metrics.include(operator::prometheus);
    return operator;
  }
}
