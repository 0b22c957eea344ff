package dev.servicemanager.proxy.k8s;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kubernetes.client.openapi.ApiClient;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Kubernetes API server of these tests: fabric8's kubernetes-server-mock in CRUD mode on 127.0.0.1
 * (reference 5). CRDs are installed by applying the module's YAML, as {@code kubectl apply -f} would; the mock
 * then serves their status subresource, finalizers and {@code deletionTimestamp}. It has no garbage collector,
 * admission or schema validation. The tests act through fabric8's client (a user with kubectl); the agent
 * through the official client, as in production.
 */
final class FakeKubernetes implements AutoCloseable {
  final KubernetesMockServer server;
  final KubernetesClient client;

  static final ResourceDefinitionContext INSTANCES = context("services.servicemanager.dev", "ServiceInstance", "serviceinstances", true);
  static final ResourceDefinitionContext BINDINGS = context("services.servicemanager.dev", "ServiceBinding", "servicebindings", true);
  static final ResourceDefinitionContext OFFERINGS = context("services.servicemanager.dev", "ServiceOffering", "serviceofferings", false);
  static final ResourceDefinitionContext PLANS = context("services.servicemanager.dev", "ServicePlan", "serviceplans", false);
  static final ResourceDefinitionContext CLUSTER_BROKERS = svcat("ClusterServiceBroker", "clusterservicebrokers", false);
  static final ResourceDefinitionContext CLUSTER_PLANS = svcat("ClusterServicePlan", "clusterserviceplans", false);
  static final ResourceDefinitionContext BROKERS = svcat("ServiceBroker", "servicebrokers", true);
  static final ResourceDefinitionContext NAMESPACED_PLANS = svcat("ServicePlan", "serviceplans", true);

  FakeKubernetes() {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    try {
      server.init(InetAddress.getByName("127.0.0.1"), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    client = server.createClient();
  }

  String url() {
    return "http://127.0.0.1:" + server.getPort();
  }

  /** The agent's client, as micronaut-kubernetes-client would build it from {@code kubernetes.client.base-path}. */
  ApiClient apiClient() {
    return new ApiClient().setBasePath(url());
  }

  /** {@code kubectl apply -f path} for a multi-document YAML file of the module. */
  FakeKubernetes apply(String path) {
    try (FileInputStream in = new FileInputStream(path)) {
      for (HasMetadata item : client.load(in).items()) {
        client.resource(item).create();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }

  /** The operator's CRDs, from deploy/crds.yaml. */
  FakeKubernetes installOperatorCrds() {
    return apply("deploy/crds.yaml");
  }

  /** The CRDs of Service Catalog 0.3 (CRD-based), cluster and namespaced brokers and plans. */
  FakeKubernetes installServiceCatalog() {
    return apply("src/test/resources/service-catalog-crds.yaml");
  }

  MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> resources(
      ResourceDefinitionContext context) {
    return client.genericKubernetesResources(context);
  }

  GenericKubernetesResource get(ResourceDefinitionContext context, String namespace, String name) {
    return context.isNamespaceScoped() ? resources(context).inNamespace(namespace).withName(name).get()
        : resources(context).withName(name).get();
  }

  List<GenericKubernetesResource> list(ResourceDefinitionContext context) {
    return resources(context).inAnyNamespace().list().getItems();
  }

  GenericKubernetesResource create(ResourceDefinitionContext context, String namespace, Map<String, Object> spec, String name) {
    GenericKubernetesResource resource = new GenericKubernetesResource();
    resource.setApiVersion(context.getGroup() + "/" + context.getVersion());
    resource.setKind(context.getKind());
    resource.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    resource.setAdditionalProperty("spec", spec);
    return resources(context).inNamespace(namespace).resource(resource).create();
  }

  /** The Secret's data, decoded; null when there is no such Secret. */
  Map<String, String> secretData(String namespace, String name) {
    Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
    if (secret == null) {
      return null;
    }
    Map<String, String> data = new TreeMap<>();
    secret.getData().forEach((k, v) -> data.put(k, new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8)));
    return data;
  }

  Secret secret(String namespace, String name) {
    return client.secrets().inNamespace(namespace).withName(name).get();
  }

  private static ResourceDefinitionContext context(String group, String kind, String plural, boolean namespaced) {
    return new ResourceDefinitionContext.Builder().withGroup(group).withVersion("v1").withKind(kind).withPlural(plural)
        .withNamespaced(namespaced).build();
  }

  private static ResourceDefinitionContext svcat(String kind, String plural, boolean namespaced) {
    return new ResourceDefinitionContext.Builder().withGroup("servicecatalog.k8s.io").withVersion("v1beta1").withKind(kind)
        .withPlural(plural).withNamespaced(namespaced).build();
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
