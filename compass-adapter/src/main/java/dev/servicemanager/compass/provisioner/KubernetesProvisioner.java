package dev.servicemanager.compass.provisioner;

import dev.servicemanager.compass.CompassAccess;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.internal.KubeConfigUtils;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Provisions a runtime into a namespace of a Kubernetes cluster, with the fabric8 client (the
 * library broker-proxy-k8s's tests use; the proxy itself is not a dependency): the namespace, a
 * ServiceAccount, Role and RoleBinding, a Secret with the SM URL, the Connector URL, the one-time
 * token and the runtime's configuration, and a Deployment of broker-proxy-k8s that reads the
 * Secret. Every object carries {@value #MANAGED_BY}={@value #ME} and {@value #RUNTIME}=id; objects
 * are created or replaced, so a second run converges. A namespace that existed without our label is
 * used but never deleted.
 */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
final class KubernetesProvisioner implements RuntimeProvisioner {
  static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  static final String ME = "service-manager-provisioner";
  static final String RUNTIME = "servicemanager.dev/runtime-id";
  private static final String DNS_LABEL = "^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$";

  @Override
  public String provider() {
    return "kubernetes";
  }

  /** The name of every namespaced object of the runtime. */
  static String objectName(String runtimeId) {
    return "sm-runtime-" + runtimeId;
  }

  /** The Secret the agent keeps its platform credentials in once it paired (written by the agent). */
  static String credentialsSecret(String runtimeId) {
    return objectName(runtimeId) + "-credentials";
  }

  @Override
  public void validate(Target target) {
    if (target.namespace() == null || !target.namespace().matches(DNS_LABEL)) {
      throw ProvisioningException.permanent(
          "invalid input: namespace must be a DNS label (lower-case letters, digits and '-', at most 63)");
    }
    config(target.secret());
  }

  /** The client configuration, or a permanent error saying what is wrong (never the content). */
  static Config config(String kubeconfig) {
    if (kubeconfig == null || kubeconfig.isBlank()) {
      throw ProvisioningException.permanent("invalid input: kubeconfig is required");
    }
    io.fabric8.kubernetes.api.model.Config parsed;
    try {
      parsed = KubeConfigUtils.parseConfigFromString(kubeconfig);
    } catch (RuntimeException e) {
      throw ProvisioningException.permanent("invalid input: kubeconfig is not a kubeconfig YAML document");
    }
    if (parsed == null || parsed.getCurrentContext() == null || parsed.getContexts() == null || parsed.getClusters() == null) {
      throw ProvisioningException.permanent("invalid input: kubeconfig needs current-context, contexts and clusters");
    }
    var context = parsed.getContexts().stream().filter(c -> parsed.getCurrentContext().equals(c.getName())).findFirst()
        .orElseThrow(() -> ProvisioningException.permanent("invalid input: kubeconfig's current-context names no context"));
    String clusterName = context.getContext() == null ? null : context.getContext().getCluster();
    var cluster = parsed.getClusters().stream().filter(c -> c.getName() != null && c.getName().equals(clusterName)).findFirst()
        .orElseThrow(() -> ProvisioningException.permanent("invalid input: kubeconfig's current context names no cluster"));
    String server = cluster.getCluster() == null ? null : cluster.getCluster().getServer();
    try {
      URI uri = URI.create(server == null ? "" : server);
      if (!("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) || uri.getHost() == null) {
        throw new IllegalArgumentException();
      }
    } catch (IllegalArgumentException e) {
      throw ProvisioningException.permanent("invalid input: kubeconfig's cluster server must be an http(s) URL");
    }
    try {
      Config config = Config.fromKubeconfig(kubeconfig);
      config.setConnectionTimeout(10_000);
      config.setRequestTimeout(30_000);
      config.setRequestRetryBackoffLimit(0);
      return config;
    } catch (RuntimeException e) {
      throw ProvisioningException.permanent("invalid input: kubeconfig cannot be used (" + e.getClass().getSimpleName() + ")");
    }
  }

  @Override
  public void converge(Target target, Optional<Desired> desired) {
    try (KubernetesClient client = new KubernetesClientBuilder().withConfig(config(target.secret())).build()) {
      if (desired.isPresent()) {
        apply(client, target, desired.get());
      } else {
        delete(client, target);
      }
    } catch (KubernetesClientException e) {
      throw translate(e, target);
    }
  }

  private static Map<String, String> labels(String runtimeId) {
    return Map.of(MANAGED_BY, ME, RUNTIME, runtimeId);
  }

  private void apply(KubernetesClient client, Target target, Desired desired) {
    String ns = target.namespace();
    String name = objectName(target.runtimeId());
    Map<String, String> labels = labels(target.runtimeId());
    step("create namespace " + ns, () -> {
      Namespace existing = client.namespaces().withName(ns).get();
      if (existing == null) {
        client.resource(new NamespaceBuilder().withNewMetadata().withName(ns).withLabels(labels).endMetadata().build()).create();
      }
    });
    step("create ServiceAccount " + ns + "/" + name, () -> put(client, ns, new ServiceAccountBuilder()
        .withNewMetadata().withName(name).withNamespace(ns).withLabels(labels).endMetadata().build()));
    step("create Role " + ns + "/" + name, () -> put(client, ns, new RoleBuilder()
        .withNewMetadata().withName(name).withNamespace(ns).withLabels(labels).endMetadata()
        .withRules(
            new PolicyRuleBuilder().withApiGroups("").withResources("secrets", "configmaps")
                .withVerbs("get", "list", "watch", "create", "update", "patch", "delete").build(),
            new PolicyRuleBuilder().withApiGroups("services.servicemanager.dev").withResources("*")
                .withVerbs("get", "list", "watch", "create", "update", "patch", "delete").build(),
            new PolicyRuleBuilder().withApiGroups("servicecatalog.k8s.io")
                .withResources("servicebrokers", "serviceclasses", "serviceplans")
                .withVerbs("get", "list", "watch", "create", "update", "patch", "delete").build())
        .build()));
    step("create RoleBinding " + ns + "/" + name, () -> put(client, ns, new RoleBindingBuilder()
        .withNewMetadata().withName(name).withNamespace(ns).withLabels(labels).endMetadata()
        .withNewRoleRef().withApiGroup("rbac.authorization.k8s.io").withKind("Role").withName(name).endRoleRef()
        .addNewSubject().withKind("ServiceAccount").withName(name).withNamespace(ns).endSubject()
        .build()));
    step("create Secret " + ns + "/" + name, () -> {
      String token = desired.oneTimeToken();
      if (token == null) {
        Secret old = client.secrets().inNamespace(ns).withName(name).get();
        token = old == null || old.getData() == null || old.getData().get("SM_ONE_TIME_TOKEN") == null ? ""
            : new String(Base64.getDecoder().decode(old.getData().get("SM_ONE_TIME_TOKEN")), StandardCharsets.UTF_8);
      }
      Map<String, String> data = new LinkedHashMap<>();
      data.put("SM_URL", desired.smUrl());
      data.put("SM_CONNECTOR_URL", desired.connectorUrl());
      data.put("SM_ONE_TIME_TOKEN", token);
      data.put("SM_RUNTIME_ID", desired.runtimeId());
      data.put("SM_PLATFORM_ID", desired.platformId());
      data.put("RUNTIME_CONFIGURATION", desired.configurationJson());
      Map<String, String> encoded = new LinkedHashMap<>();
      data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v.getBytes(StandardCharsets.UTF_8))));
      put(client, ns, new SecretBuilder().withNewMetadata().withName(name).withNamespace(ns).withLabels(labels).endMetadata()
          .withType("Opaque").withData(encoded).build());
    });
    step("create Deployment " + ns + "/" + name, () -> put(client, ns, new DeploymentBuilder()
        .withNewMetadata().withName(name).withNamespace(ns).withLabels(labels).endMetadata()
        .withNewSpec().withReplicas(1)
        .withNewSelector().withMatchLabels(Map.of(RUNTIME, target.runtimeId())).endSelector()
        .withNewTemplate().withNewMetadata().withLabels(labels).endMetadata()
        .withNewSpec().withServiceAccountName(name)
        .addNewContainer().withName("broker-proxy-k8s").withImage(desired.agentImage())
        .addNewEnvFrom().withNewSecretRef().withName(name).endSecretRef().endEnvFrom()
        .addNewEnv().withName("K8S_TARGET_NAMESPACE").withValue(ns).endEnv()
        .addNewEnv().withName("K8S_SECRET_NAMESPACE").withValue(ns).endEnv()
        .addNewEnv().withName("K8S_OPERATOR_NAMESPACE").withValue(ns).endEnv()
        .addNewEnv().withName("K8S_CREDENTIALS_SECRET").withValue(credentialsSecret(target.runtimeId())).endEnv()
        .endContainer().endSpec().endTemplate().endSpec().build()));
  }

  private static void put(KubernetesClient client, String ns, HasMetadata object) {
    client.resource(object).inNamespace(ns).unlock().createOr(NonDeletingOperation::update);
  }

  private void delete(KubernetesClient client, Target target) {
    String ns = target.namespace();
    String name = objectName(target.runtimeId());
    step("delete Deployment " + ns + "/" + name, () -> client.apps().deployments().inNamespace(ns).withName(name).delete());
    step("delete Secret " + ns + "/" + name, () -> client.secrets().inNamespace(ns).withName(name).delete());
    String kept = credentialsSecret(target.runtimeId());
    step("delete Secret " + ns + "/" + kept, () -> client.secrets().inNamespace(ns).withName(kept).delete());
    step("delete RoleBinding " + ns + "/" + name, () -> client.rbac().roleBindings().inNamespace(ns).withName(name).delete());
    step("delete Role " + ns + "/" + name, () -> client.rbac().roles().inNamespace(ns).withName(name).delete());
    step("delete ServiceAccount " + ns + "/" + name, () -> client.serviceAccounts().inNamespace(ns).withName(name).delete());
    step("delete namespace " + ns, () -> {
      Namespace namespace = client.namespaces().withName(ns).get();
      if (namespace != null && namespace.getMetadata().getLabels() != null
          && target.runtimeId().equals(namespace.getMetadata().getLabels().get(RUNTIME))) {
        client.namespaces().withName(ns).delete();
      }
    });
  }

  /** Runs one call; a refusal names the step. */
  private static void step(String what, Runnable call) {
    try {
      call.run();
    } catch (KubernetesClientException e) {
      throw refusal(what, e);
    }
  }

  private static ProvisioningException refusal(String what, KubernetesClientException e) {
    int code = e.getCode();
    if (code == 400 || code == 401 || code == 403 || code == 404 || code == 422) {
      return ProvisioningException.permanent("the cluster refused to " + what + ": HTTP " + code);
    }
    return ProvisioningException.transientFailure(code <= 0
        ? "the cluster could not be reached to " + what + " (" + rootCause(e) + ")"
        : "the cluster failed to " + what + ": HTTP " + code);
  }

  private static ProvisioningException translate(KubernetesClientException e, Target target) {
    return refusal("talk to the cluster of runtime " + target.runtimeId(), e);
  }

  private static String rootCause(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName();
  }

  static List<String> kinds() {
    return List.of("Namespace", "ServiceAccount", "Role", "RoleBinding", "Secret", "Deployment");
  }
}
