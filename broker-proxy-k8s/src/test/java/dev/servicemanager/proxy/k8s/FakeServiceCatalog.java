package dev.servicemanager.proxy.k8s;

import dev.servicemanager.proxy.core.Json;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The part of Service Catalog's controller manager that broker mode relies on: for every broker that is new
 * or whose {@code spec.relistRequests} grew, fetch {@code <spec.url>/v2/catalog} with the basic credentials of
 * {@code spec.authInfo.basic.secretRef} and write one {@code ClusterServicePlan} (or namespaced
 * {@code ServicePlan}) per catalog plan ({@code spec.externalID}, {@code spec.clusterServiceBrokerName}),
 * deleting those no longer listed. The real controller marks them {@code removedFromBrokerCatalog} first.
 */
final class FakeServiceCatalog implements AutoCloseable {
  private final FakeKubernetes k8s;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
  private final Map<String, Long> listedAt = new HashMap<>();
  /** Broker object name → catalog fetches done (successful or not). */
  final Map<String, Integer> relists = new ConcurrentHashMap<>();
  /** Broker object name → the last fetch's failure, if it failed. */
  final Map<String, String> errors = new ConcurrentHashMap<>();

  FakeServiceCatalog(FakeKubernetes k8s) {
    this.k8s = k8s;
    loop.scheduleWithFixedDelay(this::syncAll, 0, 100, TimeUnit.MILLISECONDS);
  }

  private void syncAll() {
    try {
      sync(FakeKubernetes.CLUSTER_BROKERS, FakeKubernetes.CLUSTER_PLANS, "clusterServiceBrokerName");
      sync(FakeKubernetes.BROKERS, FakeKubernetes.NAMESPACED_PLANS, "serviceBrokerName");
    } catch (RuntimeException e) {
      errors.put("*", String.valueOf(e.getMessage()));
    }
  }

  @SuppressWarnings("unchecked")
  private void sync(ResourceDefinitionContext brokers, ResourceDefinitionContext plans, String brokerField) {
    for (GenericKubernetesResource broker : k8s.list(brokers)) {
      Map<String, Object> spec = (Map<String, Object>) broker.getAdditionalProperties().get("spec");
      String key = broker.getMetadata().getUid();
      long relist = spec.get("relistRequests") instanceof Number n ? n.longValue() : 0;
      if (listedAt.containsKey(key) && listedAt.get(key) >= relist) {
        continue;
      }
      listedAt.put(key, relist);
      String name = broker.getMetadata().getName();
      String namespace = broker.getMetadata().getNamespace();
      relists.merge(name, 1, Integer::sum);
      Map<String, Object> secretRef = Json.object(Json.object(Json.object(spec, "authInfo"), "basic"), "secretRef");
      Secret secret = k8s.secret(namespace != null ? namespace : (String) secretRef.get("namespace"), (String) secretRef.get("name"));
      if (secret == null) {
        errors.put(name, "no auth secret");
        continue;
      }
      String user = decode(secret.getData().get("username"));
      String password = decode(secret.getData().get("password"));
      Map<String, Object> catalog;
      try {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(spec.get("url") + "/v2/catalog"))
            .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8)))
            .header("X-Broker-API-Version", "2.14").timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
          errors.put(name, "catalog answered " + response.statusCode());
          continue;
        }
        catalog = Json.parse(response.body());
      } catch (Exception e) {
        errors.put(name, String.valueOf(e.getMessage()));
        continue;
      }
      errors.remove(name);
      Set<String> wanted = new HashSet<>();
      for (Map<String, Object> service : Json.objects(catalog, "services")) {
        for (Map<String, Object> plan : Json.objects(service, "plans")) {
          String planName = (name + "." + plan.get("id")).toLowerCase();
          wanted.add(planName);
          if (k8s.get(plans, namespace, planName) == null) {
            GenericKubernetesResource p = new GenericKubernetesResource();
            p.setApiVersion("servicecatalog.k8s.io/v1beta1");
            p.setKind(plans.getKind());
            p.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(planName).withNamespace(namespace).build());
            p.setAdditionalProperty("spec", Map.of(brokerField, name, "externalID", plan.get("id"), "externalName", plan.get("name")));
            (namespace == null ? k8s.resources(plans).resource(p) : k8s.resources(plans).inNamespace(namespace).resource(p)).create();
          }
        }
      }
      for (GenericKubernetesResource p : k8s.list(plans)) {
        Map<String, Object> planSpec = (Map<String, Object>) p.getAdditionalProperties().get("spec");
        if (name.equals(planSpec.get(brokerField)) && !wanted.contains(p.getMetadata().getName())) {
          (namespace == null ? k8s.resources(plans).withName(p.getMetadata().getName())
              : k8s.resources(plans).inNamespace(namespace).withName(p.getMetadata().getName())).delete();
        }
      }
    }
  }

  /** The catalog plan ids the controller listed for this broker. */
  @SuppressWarnings("unchecked")
  List<String> planIds(ResourceDefinitionContext plans, String brokerField, String brokerName) {
    return k8s.list(plans).stream()
        .map(p -> (Map<String, Object>) p.getAdditionalProperties().get("spec"))
        .filter(spec -> brokerName.equals(spec.get(brokerField)))
        .map(spec -> (String) spec.get("externalID")).sorted().toList();
  }

  private static String decode(String value) {
    return value == null ? "" : new String(Base64.getDecoder().decode(value), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    loop.shutdownNow();
  }
}
