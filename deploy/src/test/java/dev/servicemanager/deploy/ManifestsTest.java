package dev.servicemanager.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Renders the overlays with {@code kubectl kustomize} (kustomize v2.0.3 of kubectl 1.20 or newer) and
 * applies what comes out to fabric8's Kubernetes mock in CRUD mode, as {@code kubectl apply -k}
 * would; then reads the objects back and checks what the product needs of them. The mock has no
 * admission or scheduling: what is checked is the objects and that every reference between them
 * (Secrets and their keys, ConfigMaps, ServiceAccounts, selectors, port names) resolves.
 */
class ManifestsTest {
  static final ResourceDefinitionContext SERVICE_MONITORS = new ResourceDefinitionContext.Builder()
      .withGroup("monitoring.coreos.com").withVersion("v1").withKind("ServiceMonitor").withPlural("servicemonitors")
      .withNamespaced(true).build();
  /** The Secrets production creates out of band (overlays/production/kustomization.yaml, docs/operations-guide.md). */
  static final Map<String, List<String>> OUT_OF_BAND_SECRETS = Map.of(
      "service-manager-secrets", List.of("encryption-key", "admin-client-id", "admin-client-secret"),
      "service-manager-database", List.of("username", "password"),
      "service-manager-tls", List.of("tls.crt", "tls.key"));

  static String kubectl;
  /** Why there is no {@link #kubectl}: the rendering tests are skipped with this message. */
  static String missing;
  KubernetesMockServer server;
  KubernetesClient client;

  /**
   * The kubectl to render with: {@code -Dkubectl=/path/to/kubectl} (Maven passes it on to the test), else the
   * environment variable {@code KUBECTL}, else {@code kubectl} from the PATH. Any kubectl with {@code kubectl
   * kustomize} will do (1.14+: kustomize v2.0.3 and newer), see README.md, "Kustomize versions". One named
   * explicitly must work; without one on the PATH the tests that render are skipped and say so.
   */
  @BeforeAll
  static void findKubectl() throws Exception {
    String configured = System.getProperty("kubectl");
    if (configured == null || configured.isBlank()) {
      configured = System.getenv("KUBECTL");
    }
    boolean explicit = configured != null && !configured.isBlank();
    String binary = explicit ? configured : "kubectl";
    Result help = run(binary, "kustomize", "--help");
    boolean usable = help != null && help.exit == 0;
    String why = help == null ? "cannot be started" : "kubectl kustomize --help: exit " + help.exit + " " + help.err.trim();
    if (explicit) {
      assertThat(usable).as("kubectl %s (-Dkubectl / KUBECTL) is not usable: %s", binary, why).isTrue();
    } else if (!usable) {
      // Only the tests that render are skipped (render() assumes); the others need no kubectl.
      missing = "no kubectl with kustomize on the PATH (" + why + "): the overlays are not rendered and applied."
          + " Install one (Debian: apt-get install kubernetes-client) or point -Dkubectl=... / KUBECTL at one.";
      System.out.println("ManifestsTest: " + missing);
      return;
    }
    kubectl = binary;
    Result version = run(binary, "version", "--client");
    System.out.println("ManifestsTest renders with " + binary + ": "
        + (version == null ? "?" : (version.out + version.err).trim().replace('\n', ' ')));
  }

  /** Output of a command, or null if it cannot be started. stderr goes to a file, so neither pipe can fill up. */
  record Result(int exit, byte[] stdout, String out, String err) {}

  static Result run(String... command) throws Exception {
    Path err = Files.createTempFile("kubectl", ".err");
    try {
      Process p;
      try {
        p = new ProcessBuilder(command).redirectError(err.toFile()).start();
      } catch (IOException e) {
        return null;
      }
      byte[] out = p.getInputStream().readAllBytes();
      assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finishes", String.join(" ", command)).isTrue();
      return new Result(p.exitValue(), out, new String(out, StandardCharsets.UTF_8), Files.readString(err));
    } finally {
      Files.deleteIfExists(err);
    }
  }

  @BeforeEach
  void startMock() throws IOException {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    server.init(InetAddress.getByName("127.0.0.1"), 0);
    client = server.createClient();
  }

  @AfterEach
  void stopMock() {
    client.close();
    server.destroy();
  }

  @Test
  void exampleOverlayAppliesWithEveryReferenceResolved() throws Exception {
    List<HasMetadata> items = render("overlays/example");
    assertThat(kinds(items)).containsEntry("Deployment", 3L).containsEntry("Service", 3L).containsEntry("Namespace", 3L)
        .containsEntry("PodDisruptionBudget", 1L).containsEntry("NetworkPolicy", 3L).containsEntry("ServiceMonitor", 3L)
        .containsEntry("Secret", 4L).containsEntry("ConfigMap", 1L).containsEntry("CustomResourceDefinition", 4L);
    apply(items);

    checkServiceManager();
    for (Deployment d : client.apps().deployments().inAnyNamespace().list().getItems()) {
      checkSecurity(d);
      checkReferences(d);
    }
    for (Service s : client.services().inAnyNamespace().list().getItems()) {
      checkServiceSelectsPods(s);
    }
    Deployment k8sProxy = client.apps().deployments().inNamespace("broker-proxy-k8s").withName("broker-proxy-k8s").get();
    assertThat(k8sProxy.getSpec().getReplicas()).as("one agent per cluster").isEqualTo(1);
    assertThat(k8sProxy.getSpec().getTemplate().getSpec().getServiceAccountName()).isEqualTo("broker-proxy-k8s");
    assertThat(client.serviceAccounts().inNamespace("broker-proxy-k8s").withName("broker-proxy-k8s").get())
        .as("from broker-proxy-k8s/deploy/rbac.yaml").isNotNull();
    assertThat(client.rbac().clusterRoleBindings().withName("broker-proxy-k8s").get().getSubjects().get(0).getNamespace())
        .isEqualTo("broker-proxy-k8s");

    // Monitoring: each ServiceMonitor selects a Service of its namespace by port name, with its secrets there.
    for (GenericKubernetesResource monitor : client.genericKubernetesResources(SERVICE_MONITORS).inAnyNamespace().list().getItems()) {
      checkServiceMonitor(monitor);
    }
  }

  @Test
  void productionOverlayNeedsOnlyTheDocumentedOutOfBandSecrets() throws Exception {
    List<HasMetadata> items = render("overlays/production");
    assertThat(items).as("no secret is committed for production").noneMatch(i -> i instanceof Secret);
    // What the operator creates first, as the overlay's comment says.
    client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata()
        .withName("service-manager").endMetadata().build()).create();
    OUT_OF_BAND_SECRETS.forEach((name, keys) -> {
      Map<String, String> data = keys.stream().collect(Collectors.toMap(k -> k, k -> "c2VjcmV0"));
      client.secrets().inNamespace("service-manager").resource(new SecretBuilder().withNewMetadata().withName(name)
          .endMetadata().withData(data).build()).create();
    });
    apply(items);

    checkServiceManager();
    Deployment sm = client.apps().deployments().inNamespace("service-manager").withName("service-manager").get();
    checkSecurity(sm);
    checkReferences(sm);
    assertThat(sm.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("registry.example.com/servicemanager/service-manager-dist:0.1.0-SNAPSHOT");
    assertThat(client.configMaps().inNamespace("service-manager").withName("service-manager-config").get().getData())
        .containsEntry("KAFKA_BOOTSTRAP_SERVERS", "kafka-bootstrap.kafka.svc:9092");

    Ingress ingress = client.network().v1().ingresses().inNamespace("service-manager").withName("service-manager").get();
    var backend = ingress.getSpec().getRules().get(0).getHttp().getPaths().get(0).getBackend().getService();
    Service service = client.services().inNamespace("service-manager").withName(backend.getName()).get();
    assertThat(service).isNotNull();
    assertThat(service.getSpec().getPorts()).extracting(p -> p.getName()).contains(backend.getPort().getName());
    assertThat(ingress.getSpec().getTls().get(0).getSecretName()).isIn(OUT_OF_BAND_SECRETS.keySet());
    checkServiceSelectsPods(service);
    for (GenericKubernetesResource monitor : client.genericKubernetesResources(SERVICE_MONITORS).inAnyNamespace().list().getItems()) {
      checkServiceMonitor(monitor);
    }
  }

  @Test
  void probesAreRoutesOfTheApi() throws IOException {
    String openapi = Files.readString(Path.of("../openapi/service-manager.yaml"));
    assertThat(openapi).contains("\n  /v1/monitor/health:\n").contains("\n  /v1/monitor/alive:\n");
  }

  /**
   * Every kustomization here uses only what kustomize v2.0.3 (Debian 12's kubectl 1.20) knows: its fields
   * (it fails on any other, e.g. components, patches, labels, replacements) and files, not directories,
   * under resources. Newer kustomize reads all of these too (with deprecation warnings), so the manifests
   * render the same with both; this catches a newer field where only a new kubectl is at hand.
   */
  @Test
  @SuppressWarnings("unchecked")
  void kustomizationsUseOnlyWhatKustomizeV2Reads() throws IOException {
    Set<String> v2Fields = Set.of("apiVersion", "kind", "namePrefix", "nameSuffix", "namespace", "commonLabels",
        "commonAnnotations", "resources", "bases", "crds", "patchesStrategicMerge", "patchesJson6902", "images",
        "vars", "configMapGenerator", "secretGenerator", "generatorOptions", "configurations");
    var yaml = new com.fasterxml.jackson.dataformat.yaml.YAMLMapper();
    List<Path> kustomizations;
    try (var files = Files.walk(Path.of("."))) {
      kustomizations = files.filter(f -> f.getFileName().toString().equals("kustomization.yaml"))
          .filter(f -> !f.startsWith("./target")).sorted().toList();
    }
    assertThat(kustomizations).hasSizeGreaterThanOrEqualTo(8);
    for (Path k : kustomizations) {
      Map<String, Object> fields = yaml.readValue(k.toFile(), Map.class);
      assertThat(fields.keySet()).as("fields of %s", k).isSubsetOf(v2Fields);
      assertThat(fields.get("kind")).as("kind of %s", k).isEqualTo("Kustomization");
      for (Object resource : (List<?>) fields.getOrDefault("resources", List.of())) {
        assertThat(k.resolveSibling((String) resource)).as("resource %s of %s (directories go under bases)", resource, k)
            .isRegularFile();
      }
      for (Object base : (List<?>) fields.getOrDefault("bases", List.of())) {
        assertThat(k.resolveSibling((String) base).resolve("kustomization.yaml")).as("base %s of %s", base, k).isRegularFile();
      }
    }
  }

  // --- checks

  private void checkServiceManager() {
    Deployment sm = client.apps().deployments().inNamespace("service-manager").withName("service-manager").get();
    assertThat(sm.getSpec().getReplicas()).isEqualTo(3);
    assertThat(sm.getSpec().getStrategy().getRollingUpdate().getMaxUnavailable().getIntVal()).isZero();
    Container c = sm.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).as("readiness asks the database").isEqualTo("/v1/monitor/health");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).as("liveness does not").isEqualTo("/v1/monitor/alive");
    assertThat(c.getStartupProbe().getHttpGet().getPath()).isEqualTo("/v1/monitor/alive");
    assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(c.getResources().getLimits()).containsKey("memory");
    assertThat(c.getEnv()).extracting(EnvVar::getName)
        .contains("SM_ENCRYPTION_KEY", "SM_ADMIN_CLIENT_SECRET", "DATASOURCES_DEFAULT_USERNAME", "DATASOURCES_DEFAULT_PASSWORD");
    assertThat(client.configMaps().inNamespace("service-manager").withName("service-manager-config").get().getData())
        .containsKey("DATASOURCES_DEFAULT_URL");
    // Terminates after the server's own grace period (20s) has run out.
    assertThat(sm.getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds()).isGreaterThan(20L);

    PodDisruptionBudget pdb = client.policy().v1().podDisruptionBudget().inNamespace("service-manager").withName("service-manager").get();
    assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isEqualTo(2);
    assertThat(sm.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
    var policy = client.network().v1().networkPolicies().inNamespace("service-manager").withName("service-manager").get();
    assertThat(sm.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
  }

  private static void checkSecurity(Deployment d) {
    PodSpec pod = d.getSpec().getTemplate().getSpec();
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).as(d.getMetadata().getName()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).as("the image's user").isEqualTo(65532L);
    assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    for (Container c : pod.getContainers()) {
      assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
      assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
      assertThat(c.getSecurityContext().getCapabilities().getDrop()).contains("ALL");
      assertThat(c.getVolumeMounts()).as("a writable /tmp on a read-only root").anyMatch(m -> m.getMountPath().equals("/tmp"));
      assertThat(c.getReadinessProbe()).isNotNull();
      assertThat(c.getLivenessProbe()).isNotNull();
      assertThat(c.getImage()).contains("servicemanager/");
    }
  }

  /** Every Secret, key, ConfigMap and ServiceAccount the pod names exists in the pod's namespace. */
  private void checkReferences(Deployment d) {
    String ns = d.getMetadata().getNamespace();
    PodSpec pod = d.getSpec().getTemplate().getSpec();
    if (pod.getServiceAccountName() != null) {
      assertThat(client.serviceAccounts().inNamespace(ns).withName(pod.getServiceAccountName()).get())
          .as("service account %s/%s", ns, pod.getServiceAccountName()).isNotNull();
    }
    for (Container c : pod.getContainers()) {
      for (EnvVar e : c.getEnv() == null ? List.<EnvVar>of() : c.getEnv()) {
        if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
          var ref = e.getValueFrom().getSecretKeyRef();
          Secret s = client.secrets().inNamespace(ns).withName(ref.getName()).get();
          assertThat(s).as("secret %s/%s of %s", ns, ref.getName(), e.getName()).isNotNull();
          assertThat(keys(s)).as("key %s of secret %s", ref.getKey(), ref.getName()).contains(ref.getKey());
        }
        if (e.getValueFrom() != null && e.getValueFrom().getConfigMapKeyRef() != null) {
          var ref = e.getValueFrom().getConfigMapKeyRef();
          assertThat(client.configMaps().inNamespace(ns).withName(ref.getName()).get().getData()).containsKey(ref.getKey());
        }
      }
      for (EnvFromSource from : c.getEnvFrom() == null ? List.<EnvFromSource>of() : c.getEnvFrom()) {
        if (from.getSecretRef() != null) {
          assertThat(client.secrets().inNamespace(ns).withName(from.getSecretRef().getName()).get())
              .as("secret %s/%s", ns, from.getSecretRef().getName()).isNotNull();
        }
        if (from.getConfigMapRef() != null) {
          assertThat(client.configMaps().inNamespace(ns).withName(from.getConfigMapRef().getName()).get())
              .as("config map %s/%s", ns, from.getConfigMapRef().getName()).isNotNull();
        }
      }
    }
    for (Volume v : pod.getVolumes() == null ? List.<Volume>of() : pod.getVolumes()) {
      if (v.getSecret() != null) {
        assertThat(client.secrets().inNamespace(ns).withName(v.getSecret().getSecretName()).get()).isNotNull();
      }
    }
  }

  private void checkServiceSelectsPods(Service s) {
    String ns = s.getMetadata().getNamespace();
    List<Deployment> selected = client.apps().deployments().inNamespace(ns).list().getItems().stream()
        .filter(d -> d.getSpec().getTemplate().getMetadata().getLabels().entrySet().containsAll(s.getSpec().getSelector().entrySet()))
        .toList();
    assertThat(selected).as("pods of service %s/%s", ns, s.getMetadata().getName()).hasSize(1);
    Set<String> portNames = selected.get(0).getSpec().getTemplate().getSpec().getContainers().stream()
        .flatMap(c -> c.getPorts().stream()).map(ContainerPort::getName).collect(Collectors.toSet());
    s.getSpec().getPorts().forEach(p -> assertThat(portNames).contains(p.getTargetPort().getStrVal()));
  }

  @SuppressWarnings("unchecked")
  private void checkServiceMonitor(GenericKubernetesResource monitor) {
    String ns = monitor.getMetadata().getNamespace();
    Map<String, Object> spec = (Map<String, Object>) monitor.getAdditionalProperties().get("spec");
    Map<String, String> match = (Map<String, String>) ((Map<String, Object>) spec.get("selector")).get("matchLabels");
    List<Service> services = client.services().inNamespace(ns).withLabels(match).list().getItems();
    assertThat(services).as("service of monitor %s/%s", ns, monitor.getMetadata().getName()).hasSize(1);
    for (Map<String, Object> endpoint : (List<Map<String, Object>>) spec.get("endpoints")) {
      assertThat(services.get(0).getSpec().getPorts()).extracting(p -> p.getName()).contains((String) endpoint.get("port"));
      Map<String, Object> oauth2 = (Map<String, Object>) endpoint.get("oauth2");
      if (oauth2 != null) {
        List<Map<String, Object>> refs = new ArrayList<>();
        refs.add((Map<String, Object>) ((Map<String, Object>) oauth2.get("clientId")).get("secret"));
        refs.add((Map<String, Object>) oauth2.get("clientSecret"));
        for (Map<String, Object> ref : refs) {
          Secret s = client.secrets().inNamespace(ns).withName((String) ref.get("name")).get();
          assertThat(s).as("secret %s of the monitor", ref.get("name")).isNotNull();
          assertThat(keys(s)).contains((String) ref.get("key"));
        }
      }
    }
  }

  // --- rendering and applying

  /** kubectl kustomize; kustomize v5's deprecation warnings (bases, patchesStrategicMerge, commonLabels) go to stderr. */
  private static List<HasMetadata> render(String overlay) throws Exception {
    assumeTrue(kubectl != null, missing);
    Result r = run(kubectl, "kustomize", overlay);
    assertThat(r.exit).as("kubectl kustomize %s: %s", overlay, r.err).isZero();
    try (KubernetesClient parser = new io.fabric8.kubernetes.client.KubernetesClientBuilder().build()) {
      return parser.load(new ByteArrayInputStream(r.stdout)).items();
    }
  }

  /** kubectl apply's order: namespaces and CRDs first. ServiceMonitors need the Prometheus Operator's CRD. */
  private void apply(List<HasMetadata> items) {
    List<HasMetadata> ordered = new ArrayList<>(items);
    ordered.sort((a, b) -> rank(a) - rank(b));
    if (items.stream().anyMatch(i -> i.getKind().equals("ServiceMonitor"))) {
      client.apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder()
          .withNewMetadata().withName("servicemonitors.monitoring.coreos.com").endMetadata()
          .withNewSpec().withGroup("monitoring.coreos.com").withScope("Namespaced")
          .withNewNames().withKind("ServiceMonitor").withPlural("servicemonitors").withSingular("servicemonitor").endNames()
          .addNewVersion().withName("v1").withServed(true).withStorage(true).endVersion().endSpec().build()).create();
    }
    for (HasMetadata item : ordered) {
      if (item instanceof GenericKubernetesResource generic && item.getKind().equals("ServiceMonitor")) {
        client.genericKubernetesResources(SERVICE_MONITORS).inNamespace(item.getMetadata().getNamespace()).resource(generic).create();
      } else if (item.getKind().equals("Namespace") && client.namespaces().withName(item.getMetadata().getName()).get() != null) {
        continue;
      } else {
        client.resource(item).create();
      }
    }
  }

  private static int rank(HasMetadata item) {
    return switch (item.getKind()) {
      case "Namespace" -> 0;
      case "CustomResourceDefinition" -> 1;
      default -> 2;
    };
  }

  private static Map<String, Long> kinds(List<HasMetadata> items) {
    return items.stream().collect(Collectors.groupingBy(HasMetadata::getKind, Collectors.counting()));
  }

  private static Set<String> keys(Secret s) {
    Set<String> keys = new TreeSet<>();
    if (s.getData() != null) {
      keys.addAll(s.getData().keySet());
    }
    if (s.getStringData() != null) {
      keys.addAll(s.getStringData().keySet());
    }
    return keys;
  }
}
