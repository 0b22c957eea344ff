package dev.servicemanager.proxy.k8s;

import java.time.Duration;

/**
 * Kubernetes-side settings (see README for the environment variables).
 *
 * @param brokerMode {@code auto} (on when the API server serves {@code servicecatalog.k8s.io/v1beta1}),
 *     {@code true} or {@code false}
 * @param targetNamespace null: one {@code ClusterServiceBroker} per SM broker; else namespaced
 *     {@code ServiceBroker}s (and their Secrets) in this namespace
 * @param secretNamespace where the basic-auth Secrets of {@code ClusterServiceBroker}s live
 * @param watchNamespace null: the operator reconciles custom resources of every namespace
 * @param pollInterval how often the operator lists its custom resources and polls running operations
 * @param retryMin first retry delay after an error; it doubles per failure up to {@code retryMax}
 * @param clusterId put on SM instances and bindings as the {@code _clusterid} label
 */
record K8sSettings(
    String brokerMode,
    String targetNamespace,
    String secretNamespace,
    String watchNamespace,
    Duration pollInterval,
    Duration retryMin,
    Duration retryMax,
    String clusterId) {

  K8sSettings {
    brokerMode = brokerMode == null || brokerMode.isBlank() ? "auto" : brokerMode.trim().toLowerCase();
    if (!brokerMode.equals("auto") && !brokerMode.equals("true") && !brokerMode.equals("false")) {
      throw new IllegalArgumentException("K8S_BROKER_MODE must be auto, true or false, not " + brokerMode);
    }
    targetNamespace = blankToNull(targetNamespace);
    secretNamespace = blankToNull(secretNamespace) == null ? "default" : secretNamespace;
    watchNamespace = blankToNull(watchNamespace);
    pollInterval = pollInterval == null ? Duration.ofSeconds(5) : pollInterval;
    retryMin = retryMin == null ? Duration.ofSeconds(10) : retryMin;
    retryMax = retryMax == null ? Duration.ofMinutes(5) : retryMax;
    clusterId = blankToNull(clusterId) == null ? "kubernetes" : clusterId;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.trim();
  }
}
