package dev.servicemanager.compass;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;

/**
 * A cluster for the provisioner: the fabric8 mock API server in CRUD mode (it stores what it is
 * given), or in expectations mode refusing namespaces with 403 (everything else 404).
 */
final class Cluster implements AutoCloseable {
  static final String CLUSTER_TOKEN = "cluster-bearer-token-do-not-leak-5f3a9c";
  final KubernetesMockServer server;
  final KubernetesClient client;

  private Cluster(KubernetesMockServer server) {
    this.server = server;
    try {
      server.init(InetAddress.getByName("127.0.0.1"), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    client = server.createClient();
  }

  static Cluster crud() {
    return new Cluster(new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false));
  }

  static Cluster refusingNamespaces() {
    Cluster c = new Cluster(new KubernetesMockServer(false));
    c.server.expect().post().withPath("/api/v1/namespaces")
        .andReturn(403, new StatusBuilder().withStatus("Failure").withReason("Forbidden").withCode(403)
            .withMessage("namespaces is forbidden: User cannot create resource").build())
        .always();
    return c;
  }

  String kubeconfig() {
    return "apiVersion: v1\nkind: Config\nclusters:\n- name: mock\n  cluster:\n    server: http://127.0.0.1:" + server.getPort()
        + "\ncontexts:\n- name: mock\n  context:\n    cluster: mock\n    user: admin\ncurrent-context: mock\nusers:\n"
        + "- name: admin\n  user:\n    token: " + CLUSTER_TOKEN + "\n";
  }

  static String value(Secret secret, String key) {
    String v = secret.getData() == null ? null : secret.getData().get(key);
    return v == null ? null : new String(Base64.getDecoder().decode(v), StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
