package dev.servicemanager.proxy.k8s;

import dev.servicemanager.proxy.core.Access;
import dev.servicemanager.proxy.core.BrokerRegistration;
import dev.servicemanager.proxy.core.Json;
import dev.servicemanager.proxy.core.Platform;
import dev.servicemanager.proxy.core.PlatformBroker;
import dev.servicemanager.proxy.core.PlatformPlan;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Broker mode: the Service Catalog ({@code servicecatalog.k8s.io/v1beta1}) as a {@link Platform}, the way
 * Peripli's service-broker-proxy-k8s does it (reference 4.2). Each SM broker is a {@code ClusterServiceBroker}
 * (or a {@code ServiceBroker} in the target namespace) with {@code relistBehavior: Manual}, whose basic-auth
 * Secret is named after the SM broker id. A catalog refetch is a {@code relistRequests} increment.
 *
 * <p>Kubernetes names are DNS labels, so the broker's object name is the proxy name lower-cased with
 * {@code _} turned into {@code -}; the proxy name itself is kept in an annotation, which is what
 * {@link #brokers()} reports, so the core reconciler's rename detection compares like with like.
 *
 * <p>Visibilities are not modelled in Service Catalog: SM filters {@code /v1/osb/<id>/v2/catalog} by this
 * platform's visibilities, so any access change is a relist (as in Peripli's proxy).
 */
final class K8sPlatform implements Platform {
  private static final Logger LOG = LoggerFactory.getLogger(K8sPlatform.class);
  static final String GROUP = "servicecatalog.k8s.io";
  static final String VERSION = "v1beta1";
  static final String NAME_ANNOTATION = "services.servicemanager.dev/broker-name";
  static final String MANAGED_LABEL = "services.servicemanager.dev/managed-by";
  static final String MANAGER = "broker-proxy-k8s";

  private final KubeApi kube;
  private final K8sSettings settings;
  private final KubeApi.Kind brokerKind;
  private final KubeApi.Kind planKind;
  private volatile Boolean active;

  K8sPlatform(KubeApi kube, K8sSettings settings) {
    this.kube = kube;
    this.settings = settings;
    boolean cluster = settings.targetNamespace() == null;
    this.brokerKind = new KubeApi.Kind(GROUP, VERSION, cluster ? "clusterservicebrokers" : "servicebrokers", !cluster);
    this.planKind = new KubeApi.Kind(GROUP, VERSION, cluster ? "clusterserviceplans" : "serviceplans", !cluster);
  }

  /**
   * {@code auto}: asks discovery once per resync until the group shows up (installing Service Catalog
   * after the agent then needs no restart); once seen it stays on.
   */
  @Override
  public boolean active() {
    if (!settings.brokerMode().equals("auto")) {
      return settings.brokerMode().equals("true");
    }
    if (!Boolean.TRUE.equals(active)) {
      boolean now = kube.serves(GROUP, VERSION, brokerKind.plural());
      if (!now && active == null) {
        LOG.info("The API server does not serve {}/{} {}: broker mode is idle until Service Catalog is installed", GROUP, VERSION,
            brokerKind.plural());
      }
      active = now;
      if (now) {
        LOG.info("Service Catalog found: broker mode on");
      }
    }
    return active;
  }

  private String namespace() {
    return settings.targetNamespace();
  }

  private String secretNamespace() {
    return settings.targetNamespace() == null ? settings.secretNamespace() : settings.targetNamespace();
  }

  @Override
  public List<PlatformBroker> brokers() {
    List<PlatformBroker> result = new ArrayList<>();
    for (Map<String, Object> b : kube.list(brokerKind, namespace())) {
      result.add(view(b));
    }
    return result;
  }

  private static PlatformBroker view(Map<String, Object> b) {
    Map<String, Object> meta = Json.object(b, "metadata");
    String name = Json.string(Json.object(meta, "annotations"), NAME_ANNOTATION);
    return new PlatformBroker(Json.string(meta, "uid"), name == null ? Json.string(meta, "name") : name,
        Json.path(b, "spec", "url"));
  }

  @Override
  public PlatformBroker createBroker(BrokerRegistration registration) {
    writeSecret(registration);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("apiVersion", GROUP + "/" + VERSION);
    body.put("kind", settings.targetNamespace() == null ? "ClusterServiceBroker" : "ServiceBroker");
    body.put("metadata", metadata(objectName(registration.name()), registration.name()));
    body.put("spec", spec(registration, 0));
    return view(kube.create(brokerKind, namespace(), body));
  }

  @Override
  public PlatformBroker updateBroker(PlatformBroker existing, BrokerRegistration registration) {
    writeSecret(registration);
    String objectName = objectName(registration.name());
    Map<String, Object> current = kube.get(brokerKind, namespace(), objectName(existing.name()))
        .orElseThrow(() -> new dev.servicemanager.proxy.core.PlatformException(404, "broker " + existing.name() + " is gone"));
    if (!objectName.equals(Json.path(current, "metadata", "name"))) {
      // Object names cannot change: a rename (or take-over of a differently named broker) is a new object.
      PlatformBroker created = createBroker(registration);
      kube.delete(brokerKind, namespace(), Json.path(current, "metadata", "name"));
      return created;
    }
    Map<String, Object> updated = new LinkedHashMap<>(current);
    Map<String, Object> meta = new LinkedHashMap<>(Json.object(current, "metadata"));
    Map<String, Object> annotations = new LinkedHashMap<>(Json.object(meta, "annotations"));
    annotations.put(NAME_ANNOTATION, registration.name());
    meta.put("annotations", annotations);
    Map<String, Object> labels = new LinkedHashMap<>(Json.object(meta, "labels"));
    labels.put(MANAGED_LABEL, MANAGER);
    meta.put("labels", labels);
    updated.put("metadata", meta);
    long relists = number(Json.object(current, "spec").get("relistRequests"));
    updated.put("spec", spec(registration, relists + 1));
    return view(kube.replace(brokerKind, namespace(), updated));
  }

  @Override
  public void deleteBroker(PlatformBroker broker) {
    kube.delete(brokerKind, namespace(), objectName(broker.name()));
    String smId = smBrokerId(broker.url());
    if (smId != null) {
      kube.delete(KubeApi.SECRETS, secretNamespace(), smId);
    }
  }

  /**
   * The Service Catalog's plans of these brokers, as its controller listed them at the last relist.
   * Each is "public": who sees what is decided by SM's catalog filtering, not by the cluster.
   */
  @Override
  public List<PlatformPlan> plans(Collection<PlatformBroker> brokers) {
    Map<String, String> byObjectName = new HashMap<>();
    brokers.forEach(b -> byObjectName.put(objectName(b.name()), b.name()));
    String brokerField = settings.targetNamespace() == null ? "clusterServiceBrokerName" : "serviceBrokerName";
    List<PlatformPlan> plans = new ArrayList<>();
    for (Map<String, Object> plan : kube.list(planKind, namespace())) {
      Map<String, Object> spec = Json.object(plan, "spec");
      String broker = byObjectName.get(Json.string(spec, brokerField));
      if (broker != null && !Boolean.TRUE.equals(Json.object(plan, "status").get("removedFromBrokerCatalog"))) {
        plans.add(new PlatformPlan(Json.path(plan, "metadata", "uid"), broker, Json.string(spec, "externalID"), true, Set.of()));
      }
    }
    return plans;
  }

  @Override
  public void enableAccess(PlatformPlan plan, Access access) {
    relist(plan.brokerName());
  }

  @Override
  public void disableAccess(PlatformPlan plan, Access access) {
    relist(plan.brokerName());
  }

  private void relist(String brokerName) {
    kube.get(brokerKind, namespace(), objectName(brokerName)).ifPresent(current -> {
      Map<String, Object> updated = new LinkedHashMap<>(current);
      Map<String, Object> spec = new LinkedHashMap<>(Json.object(current, "spec"));
      spec.put("relistRequests", number(spec.get("relistRequests")) + 1);
      updated.put("spec", spec);
      kube.replace(brokerKind, namespace(), updated);
    });
  }

  /** No scopes: a visibility for this platform makes the plan part of the catalog SM serves it. */
  @Override
  public String scopeLabelKey() {
    return "";
  }

  private Map<String, Object> metadata(String objectName, String proxyName) {
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("name", objectName);
    if (namespace() != null) {
      meta.put("namespace", namespace());
    }
    meta.put("labels", Map.of(MANAGED_LABEL, MANAGER));
    meta.put("annotations", Map.of(NAME_ANNOTATION, proxyName));
    return meta;
  }

  private Map<String, Object> spec(BrokerRegistration registration, long relistRequests) {
    Map<String, Object> secretRef = new LinkedHashMap<>();
    secretRef.put("name", registration.smBrokerId());
    if (settings.targetNamespace() == null) {
      secretRef.put("namespace", secretNamespace());
    }
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("url", registration.url());
    spec.put("relistBehavior", "Manual");
    spec.put("relistRequests", relistRequests);
    spec.put("authInfo", Map.of("basic", Map.of("secretRef", secretRef)));
    return spec;
  }

  /** The basic-auth Secret named after the SM broker id, written before the broker that uses it. */
  private void writeSecret(BrokerRegistration registration) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("username", base64(registration.username()));
    data.put("password", base64(registration.password()));
    Map<String, Object> meta = new LinkedHashMap<>();
    meta.put("name", registration.smBrokerId());
    meta.put("namespace", secretNamespace());
    meta.put("labels", Map.of(MANAGED_LABEL, MANAGER));
    Map<String, Object> secret = new LinkedHashMap<>();
    secret.put("apiVersion", "v1");
    secret.put("kind", "Secret");
    secret.put("metadata", meta);
    secret.put("type", "Opaque");
    secret.put("data", data);
    var existing = kube.get(KubeApi.SECRETS, secretNamespace(), registration.smBrokerId());
    if (existing.isPresent()) {
      meta.put("resourceVersion", Json.path(existing.get(), "metadata", "resourceVersion"));
      kube.replace(KubeApi.SECRETS, secretNamespace(), secret);
    } else {
      kube.create(KubeApi.SECRETS, secretNamespace(), secret);
    }
  }

  /** A DNS-1123 name for a proxy broker name: lower case, {@code _} and other characters as {@code -}. */
  static String objectName(String proxyName) {
    String name = proxyName.toLowerCase(Locale.ROOT).replace('_', '-').replaceAll("[^a-z0-9.-]", "-");
    name = name.replaceAll("^[^a-z0-9]+", "").replaceAll("[^a-z0-9]+$", "");
    return name.length() > 253 ? name.substring(name.length() - 253) : name;
  }

  static String smBrokerId(String url) {
    if (url == null || !url.contains("/v1/osb/")) {
      return null;
    }
    String id = url.substring(url.indexOf("/v1/osb/") + "/v1/osb/".length());
    return id.isEmpty() || id.contains("/") ? null : id;
  }

  static long number(Object value) {
    return value instanceof Number n ? n.longValue() : 0;
  }

  static String base64(String value) {
    return Base64.getEncoder().encodeToString(value.getBytes(StandardCharsets.UTF_8));
  }
}
