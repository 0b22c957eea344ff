package dev.servicemanager.compass.provisioner;

import java.util.Optional;

/**
 * A target the Runtime Provisioner can create runtimes on (a Kubernetes cluster, ...). Add one by
 * putting a bean implementing this on the class path; {@code provisionRuntime(config: {clusterConfig:
 * {provider}})} picks it by {@link #provider()}. Calls come from the provisioner's worker thread,
 * never inside a database transaction, and may be repeated (after a failure or a restart): both
 * calls must converge, not duplicate.
 */
public interface RuntimeProvisioner {
  /** The name callers give as {@code clusterConfig.provider}, for example {@code kubernetes}. */
  String provider();

  /**
   * Checks the target before anything is stored (the kubeconfig parses and names a server, the
   * namespace is valid, ...), without contacting it.
   *
   * @throws ProvisioningException (permanent) saying what is wrong, without the secret's content
   */
  void validate(Target target);

  /**
   * Makes the target hold exactly what the runtime needs (desired present: create or patch
   * everything; empty: delete everything this provisioner created for the runtime, and return once
   * it is gone or being deleted).
   *
   * @throws ProvisioningException permanent when retrying cannot help (refused), else transient
   */
  void converge(Target target, Optional<Desired> desired);

  /**
   * Where the runtime lives. {@code secret} is the credential of the target (a kubeconfig); it is
   * never shown by {@link #toString()}.
   */
  record Target(String runtimeId, String tenant, String namespace, String secret) {
    @Override
    public String toString() {
      return "Target[runtimeId=" + runtimeId + ", namespace=" + namespace + ", secret=***]";
    }
  }

  /**
   * What the runtime's agent must be given.
   *
   * @param oneTimeToken a fresh Connector token, or null to keep the one already handed over
   * @param configurationJson the runtime's configuration (JSON object text) as given to provisionRuntime / upgradeRuntime
   * @param agentImage the agent's container image
   */
  record Desired(String smUrl, String connectorUrl, String oneTimeToken, String runtimeId, String platformId,
      String configurationJson, String agentImage) {
    @Override
    public String toString() {
      return "Desired[runtimeId=" + runtimeId + ", agentImage=" + agentImage + ", oneTimeToken=***]";
    }
  }
}
