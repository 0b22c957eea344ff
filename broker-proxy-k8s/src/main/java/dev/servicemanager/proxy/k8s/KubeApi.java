package dev.servicemanager.proxy.k8s;

import dev.servicemanager.proxy.core.Json;
import dev.servicemanager.proxy.core.PlatformException;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.Call;
import okhttp3.Response;
import okhttp3.ResponseBody;

/**
 * The few Kubernetes REST calls the proxy makes, on plain JSON maps, through the official client's
 * {@link ApiClient} (so kubeconfig, in-cluster service account, TLS and token refresh are the client's).
 *
 * <p>Why not the generated typed APIs: custom objects come back from them as Gson maps whose integers
 * are doubles ({@code generation: 2.0}), which a real API server refuses when written back; and their
 * PATCH picks a content type the fabric8 mock rejects. Reading the body ourselves with the project's
 * JSON keeps integers integers, and every write is a GET-modify-PUT carrying {@code resourceVersion},
 * which a real API server checks (409 on a concurrent change; the next reconcile simply tries again).
 */
final class KubeApi {
  private static final String[] AUTH = {"BearerToken"};
  private final ApiClient client;

  KubeApi(ApiClient client) {
    this.client = client;
  }

  /** A resource kind: {@code group} empty for the core API ({@code /api/v1}). */
  record Kind(String group, String version, String plural, boolean namespaced) {
    String path(String namespace, String name) {
      StringBuilder p = new StringBuilder(group.isEmpty() ? "/api/" + version : "/apis/" + group + "/" + version);
      if (namespaced && namespace != null) {
        p.append("/namespaces/").append(namespace);
      }
      p.append('/').append(plural);
      if (name != null) {
        p.append('/').append(name);
      }
      return p.toString();
    }
  }

  static final Kind SECRETS = new Kind("", "v1", "secrets", true);

  Optional<Map<String, Object>> get(Kind kind, String namespace, String name) {
    Reply reply = call("GET", kind.path(namespace, name), null);
    if (reply.status == 404) {
      return Optional.empty();
    }
    return Optional.of(reply.require("GET " + kind.plural + " " + name));
  }

  /** All objects of a kind; {@code namespace} null lists across namespaces. */
  List<Map<String, Object>> list(Kind kind, String namespace) {
    Reply reply = call("GET", kind.path(namespace, null), null);
    return Json.objects(reply.require("LIST " + kind.plural), "items");
  }

  /**
   * Whether the API server serves this resource: discovery lists it (an aggregated API server, or any real
   * one), or its CRD is installed (CRD-based APIs; also the only way the fake API server of the tests knows).
   */
  boolean serves(String group, String version, String plural) {
    Reply discovery = call("GET", "/apis/" + group + "/" + version, null);
    if (discovery.status == 200) {
      Map<String, Object> list = Json.parse(discovery.body);
      if (Json.objects(list, "resources").stream().anyMatch(r -> plural.equals(Json.string(r, "name")))) {
        return true;
      }
    }
    return call("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/" + plural + "." + group, null).status == 200;
  }

  Map<String, Object> create(Kind kind, String namespace, Map<String, Object> body) {
    return call("POST", kind.path(namespace, null), body).require("CREATE " + kind.plural + " " + name(body));
  }

  Map<String, Object> replace(Kind kind, String namespace, Map<String, Object> body) {
    return call("PUT", kind.path(namespace, name(body)), body).require("UPDATE " + kind.plural + " " + name(body));
  }

  /** PUT on the status subresource: only {@code status} changes, the spec is left as the user wrote it. */
  Map<String, Object> replaceStatus(Kind kind, String namespace, Map<String, Object> body) {
    return call("PUT", kind.path(namespace, name(body)) + "/status", body).require("UPDATE STATUS " + kind.plural + " " + name(body));
  }

  /** Deletes; false when it was not there. */
  boolean delete(Kind kind, String namespace, String name) {
    Reply reply = call("DELETE", kind.path(namespace, name), null);
    if (reply.status == 404) {
      return false;
    }
    reply.require("DELETE " + kind.plural + " " + name);
    return true;
  }

  private static String name(Map<String, Object> body) {
    return Json.path(body, "metadata", "name");
  }

  private record Reply(int status, String body) {
    Map<String, Object> require(String what) {
      if (status / 100 != 2) {
        String message = body;
        try {
          String m = Json.string(Json.parse(body), "message");
          message = m == null ? body : m;
        } catch (IllegalArgumentException notJson) {
          // keep the raw body
        }
        // Only Status messages reach here, never object bodies, so no secret data is logged.
        throw new PlatformException(status, what + " answered " + status + ": " + Json.abbreviate(String.valueOf(message)));
      }
      return Json.parse(body);
    }
  }

  private Reply call(String method, String path, Map<String, Object> body) {
    try {
      Map<String, String> headers = new java.util.HashMap<>();
      headers.put("Accept", "application/json");
      headers.put("Content-Type", "application/json");
      // byte[]: the client would otherwise re-serialise with Gson.
      Object payload = body == null ? null : Json.write(body).getBytes(StandardCharsets.UTF_8);
      Call call = client.buildCall(client.getBasePath(), path, method, List.of(), List.of(), payload, headers,
          Map.of(), Map.of(), AUTH, null);
      try (Response response = call.execute()) {
        ResponseBody responseBody = response.body();
        return new Reply(response.code(), responseBody == null ? "" : responseBody.string());
      }
    } catch (ApiException | IOException e) {
      throw new PlatformException(method + " " + path + " failed: " + e.getMessage(), e);
    }
  }
}
