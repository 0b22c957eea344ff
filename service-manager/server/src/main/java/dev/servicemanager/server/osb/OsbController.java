package dev.servicemanager.server.osb;

import dev.servicemanager.server.registry.PlatformTypes;
import dev.servicemanager.server.security.Callers;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Patch;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import io.micronaut.core.annotation.NonBlocking;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.security.authentication.Authentication;
import jakarta.inject.Named;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;

/**
 * {@code /v1/osb/{broker_id}/v2/...}: a platform talks OSB 2.17 to SM as if SM were the broker
 * (reference 3). Only platforms get here (AccessRule). The controller only binds the request;
 * {@link OsbProxyService} decides.
 */
@Controller(value = "/v1/osb/{broker_id}/v2", produces = MediaType.APPLICATION_JSON)
class OsbController {
  static final String API_VERSION = "X-Broker-API-Version";
  static final String ORIGINATING_IDENTITY = "X-Broker-API-Originating-Identity";
  static final String REQUEST_IDENTITY = "X-Broker-API-Request-Identity";

  private final OsbProxyService proxy;
  private final ExecutorService blocking;
  private final PlatformTypes platformTypes;

  OsbController(
      OsbProxyService proxy, @Named(TaskExecutors.BLOCKING) ExecutorService blocking, PlatformTypes platformTypes) {
    this.proxy = proxy;
    this.blocking = blocking;
    this.platformTypes = platformTypes;
  }

  // Platforms poll the catalog: a rendered one is answered on the event loop; only building one
  // (database reads) moves to the blocking executor.
  @NonBlocking
  @Get("/catalog")
  CompletableFuture<HttpResponse<String>> catalog(
      HttpRequest<?> request, @PathVariable("broker_id") String brokerId, Authentication auth) {
    String cached = proxy.cachedCatalog(brokerId, caller(auth));
    if (cached != null) {
      return CompletableFuture.completedFuture(respond(new OsbReply(200, cached, null, requestIdentity(request))));
    }
    return CompletableFuture.supplyAsync(() -> call(request, OsbRoute.CATALOG, brokerId, null, null, auth, null), blocking);
  }

  @Put(value = "/service_instances/{instance_id}", consumes = MediaType.ALL)
  HttpResponse<String> provision(
      HttpRequest<?> request,
      @PathVariable("broker_id") String brokerId,
      @PathVariable("instance_id") String instanceId,
      Authentication auth,
      @Nullable @Body String body) {
    return call(request, OsbRoute.PROVISION, brokerId, instanceId, null, auth, body);
  }

  @Get("/service_instances/{instance_id}")
  HttpResponse<String> fetchInstance(
      HttpRequest<?> request,
      @PathVariable("broker_id") String brokerId,
      @PathVariable("instance_id") String instanceId,
      Authentication auth) {
    return call(request, OsbRoute.FETCH_INSTANCE, brokerId, instanceId, null, auth, null);
  }

  @Patch(value = "/service_instances/{instance_id}", consumes = MediaType.ALL)
  HttpResponse<String> update(
      HttpRequest<?> request,
      @PathVariable("broker_id") String brokerId,
      @PathVariable("instance_id") String instanceId,
      Authentication auth,
      @Nullable @Body String body) {
    return call(request, OsbRoute.UPDATE, brokerId, instanceId, null, auth, body);
  }

  @Delete(value = "/service_instances/{instance_id}", consumes = MediaType.ALL)
  HttpResponse<String> deprovision(
      HttpRequest<?> request,
      @PathVariable("broker_id") String brokerId,
      @PathVariable("instance_id") String instanceId,
      Authentication auth) {
    return call(request, OsbRoute.DEPROVISION, brokerId, instanceId, null, auth, null);
  }

  @Get("/service_instances/{instance_id}/last_operation")
  HttpResponse<String> instanceLastOperation(
      HttpRequest<?> request,
      @PathVariable("broker_id") String brokerId,
      @PathVariable("instance_id") String instanceId,
      Authentication auth) {
    return call(request, OsbRoute.INSTANCE_LAST_OPERATION, brokerId, instanceId, null, auth, null);
  }

  @Put(value = "/service_instances/{instance_id}/service_bindings/{binding_id}", consumes = MediaType.ALL)
  HttpResponse<String> bind(
      HttpRequest<?> request,
      @PathVariable("broker_id") String brokerId,
      @PathVariable("instance_id") String instanceId,
      @PathVariable("binding_id") String bindingId,
      Authentication auth,
      @Nullable @Body String body) {
    return call(request, OsbRoute.BIND, brokerId, instanceId, bindingId, auth, body);
  }

  @Get("/service_instances/{instance_id}/service_bindings/{binding_id}")
  HttpResponse<String> fetchBinding(
      HttpRequest<?> request,
      @PathVariable("broker_id") String brokerId,
      @PathVariable("instance_id") String instanceId,
      @PathVariable("binding_id") String bindingId,
      Authentication auth) {
    return call(request, OsbRoute.FETCH_BINDING, brokerId, instanceId, bindingId, auth, null);
  }

  @Delete(value = "/service_instances/{instance_id}/service_bindings/{binding_id}", consumes = MediaType.ALL)
  HttpResponse<String> unbind(
      HttpRequest<?> request,
      @PathVariable("broker_id") String brokerId,
      @PathVariable("instance_id") String instanceId,
      @PathVariable("binding_id") String bindingId,
      Authentication auth) {
    return call(request, OsbRoute.UNBIND, brokerId, instanceId, bindingId, auth, null);
  }

  @Get("/service_instances/{instance_id}/service_bindings/{binding_id}/last_operation")
  HttpResponse<String> bindingLastOperation(
      HttpRequest<?> request,
      @PathVariable("broker_id") String brokerId,
      @PathVariable("instance_id") String instanceId,
      @PathVariable("binding_id") String bindingId,
      Authentication auth) {
    return call(request, OsbRoute.BINDING_LAST_OPERATION, brokerId, instanceId, bindingId, auth, null);
  }

  private HttpResponse<String> call(
      HttpRequest<?> request, OsbRoute route, String brokerId, String instanceId, String bindingId,
      Authentication auth, String body) {
    String identity = requestIdentity(request);
    OsbCall call =
        new OsbCall(
            route,
            brokerId,
            instanceId,
            bindingId,
            caller(auth),
            request.getMethodName(),
            brokerPath(request),
            query(request),
            forwardedHeaders(request, identity, body != null),
            identity,
            body == null ? null : body.getBytes(StandardCharsets.UTF_8));
    return respond(proxy.handle(call));
  }

  private static String requestIdentity(HttpRequest<?> request) {
    String identity = request.getHeaders().get(REQUEST_IDENTITY);
    return identity == null || identity.isBlank() ? UUID.randomUUID().toString() : identity;
  }

  private static HttpResponse<String> respond(OsbReply reply) {
    MutableHttpResponse<String> response =
        status(reply.status()).contentType(MediaType.APPLICATION_JSON_TYPE).body(reply.json());
    response.header(REQUEST_IDENTITY, reply.requestIdentity());
    if (reply.retryAfter() != null) {
      response.header("Retry-After", reply.retryAfter());
    }
    return response;
  }

  // AccessRule lets only platforms in; PlatformAuthenticationProvider put these attributes there.
  private Caller caller(Authentication auth) {
    Map<String, Object> attributes = auth.getAttributes();
    String type = String.valueOf(attributes.get(Callers.PLATFORM_TYPE));
    return new Caller(
        Callers.platformId(auth).orElseThrow(),
        String.valueOf(attributes.get(Callers.PLATFORM_NAME)),
        type,
        Boolean.TRUE.equals(attributes.get(Callers.PLATFORM_SUSPENDED)),
        platformTypes.selfEnforcing(type));
  }

  // The raw path after /v1/osb/{broker_id}, so percent-encoded ids reach the broker unchanged.
  private static String brokerPath(HttpRequest<?> request) {
    String raw = request.getUri().getRawPath();
    String path = raw.substring(raw.indexOf("/v2/", "/v1/osb/".length()));
    String query = request.getUri().getRawQuery();
    return query == null || query.isEmpty() ? path : path + "?" + query;
  }

  private static Map<String, String> query(HttpRequest<?> request) {
    Map<String, String> query = new LinkedHashMap<>();
    request.getParameters().forEach((name, values) -> query.putIfAbsent(name, values.isEmpty() ? "" : values.get(0)));
    return query;
  }

  // Reference 3.2: the platform's version and originating identity pass unchanged; Authorization
  // (replaced by the broker's credentials), Host and Accept-Encoding do not.
  private static Map<String, String> forwardedHeaders(HttpRequest<?> request, String identity, boolean hasBody) {
    Map<String, String> headers = new LinkedHashMap<>();
    copy(request, headers, API_VERSION);
    copy(request, headers, ORIGINATING_IDENTITY);
    headers.put(REQUEST_IDENTITY, identity);
    headers.put("Accept", MediaType.APPLICATION_JSON);
    if (hasBody) {
      headers.put("Content-Type", MediaType.APPLICATION_JSON);
    }
    return headers;
  }

  private static void copy(HttpRequest<?> request, Map<String, String> target, String name) {
    String value = request.getHeaders().get(name);
    if (value != null) {
      target.put(name, value);
    }
  }

  private static MutableHttpResponse<String> status(int code) {
    try {
      return HttpResponse.status(HttpStatus.valueOf(code));
    } catch (IllegalArgumentException unknownToMicronaut) {
      return HttpResponse.status(code, "Service Broker Status");
    }
  }
}
