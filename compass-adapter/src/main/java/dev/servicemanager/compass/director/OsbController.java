package dev.servicemanager.compass.director;

import dev.servicemanager.compass.CompassException;
import dev.servicemanager.compass.Json;
import dev.servicemanager.spi.ApiException;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
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
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /compass/osb/v2/...}: the {@code compass} broker's OSB API (2.17 shapes). The core lets
 * every request through ({@link OsbAccess}); this controller checks the broker's own basic
 * credentials and the {@code X-Broker-API-Version} header before anything else. Errors are OSB
 * errors {@code {"error", "description"}}; bodies are parsed here, so malformed JSON is a 400.
 */
@Controller(OsbAccess.PREFIX + "/v2")
@ExecuteOn(TaskExecutors.BLOCKING)
@Requires(property = OsbBroker.ENABLED, value = "true", defaultValue = "true")
@Requires(property = "compass.enabled", value = "true", defaultValue = "true")
final class OsbController {
  private static final Logger LOG = LoggerFactory.getLogger(OsbController.class);
  private final OsbBroker broker;
  private final OsbCredentials credentials;
  private final Json json;

  OsbController(OsbBroker broker, OsbCredentials credentials, Json json) {
    this.broker = broker;
    this.credentials = credentials;
    this.json = json;
  }

  @Get(uri = "/catalog", produces = MediaType.APPLICATION_JSON)
  MutableHttpResponse<?> catalog(HttpRequest<?> request) {
    return handle(request, () -> new OsbBroker.Reply(HttpStatus.OK, broker.catalog()));
  }

  @Put(uri = "/service_instances/{instanceId}", consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
  MutableHttpResponse<?> provision(HttpRequest<?> request, @PathVariable String instanceId, @Nullable @Body String body) {
    return handle(request, () -> broker.provision(instanceId, body(body)));
  }

  @Get(uri = "/service_instances/{instanceId}", produces = MediaType.APPLICATION_JSON)
  MutableHttpResponse<?> instance(HttpRequest<?> request, @PathVariable String instanceId) {
    return handle(request, () -> broker.instance(instanceId));
  }

  @Patch(uri = "/service_instances/{instanceId}", consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
  MutableHttpResponse<?> update(HttpRequest<?> request, @PathVariable String instanceId, @Nullable @Body String body) {
    return handle(request, () -> {
      throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, "PlanChangeNotSupported",
          "the compass broker's instances cannot be updated");
    });
  }

  @Delete(uri = "/service_instances/{instanceId}", consumes = MediaType.ALL, produces = MediaType.APPLICATION_JSON)
  MutableHttpResponse<?> deprovision(HttpRequest<?> request, @PathVariable String instanceId) {
    return handle(request, () -> broker.deprovision(instanceId));
  }

  @Get(uri = "/service_instances/{instanceId}/last_operation", produces = MediaType.APPLICATION_JSON)
  MutableHttpResponse<?> instanceLastOperation(HttpRequest<?> request, @PathVariable String instanceId) {
    // Provisioning and deprovisioning are synchronous: there is never an operation in progress.
    return handle(request, () -> {
      broker.instance(instanceId);
      return new OsbBroker.Reply(HttpStatus.OK, Map.of("state", "succeeded"));
    });
  }

  @Put(uri = "/service_instances/{instanceId}/service_bindings/{bindingId}", consumes = MediaType.ALL,
      produces = MediaType.APPLICATION_JSON)
  MutableHttpResponse<?> bind(HttpRequest<?> request, @PathVariable String instanceId, @PathVariable String bindingId,
      @Nullable @QueryValue("accepts_incomplete") String acceptsIncomplete, @Nullable @Body String body) {
    return handle(request, () -> broker.bind(instanceId, bindingId, body(body), "true".equals(acceptsIncomplete)));
  }

  @Get(uri = "/service_instances/{instanceId}/service_bindings/{bindingId}", produces = MediaType.APPLICATION_JSON)
  MutableHttpResponse<?> binding(HttpRequest<?> request, @PathVariable String instanceId, @PathVariable String bindingId) {
    return handle(request, () -> broker.binding(instanceId, bindingId));
  }

  @Get(uri = "/service_instances/{instanceId}/service_bindings/{bindingId}/last_operation",
      produces = MediaType.APPLICATION_JSON)
  MutableHttpResponse<?> bindingLastOperation(HttpRequest<?> request, @PathVariable String instanceId,
      @PathVariable String bindingId) {
    return handle(request, () -> broker.bindingLastOperation(instanceId, bindingId));
  }

  @Delete(uri = "/service_instances/{instanceId}/service_bindings/{bindingId}", consumes = MediaType.ALL,
      produces = MediaType.APPLICATION_JSON)
  MutableHttpResponse<?> unbind(HttpRequest<?> request, @PathVariable String instanceId, @PathVariable String bindingId,
      @Nullable @QueryValue("accepts_incomplete") String acceptsIncomplete) {
    return handle(request, () -> broker.unbind(instanceId, bindingId, "true".equals(acceptsIncomplete)));
  }

  private Map<String, Object> body(String body) {
    if (body == null || body.isBlank()) {
      throw ApiException.badRequest("a JSON object body is required");
    }
    Object parsed = json.parse(body).orElseThrow(() -> ApiException.badRequest("the body is not valid JSON"));
    if (!(parsed instanceof Map<?, ?> map)) {
      throw ApiException.badRequest("the body must be a JSON object");
    }
    Map<String, Object> result = new LinkedHashMap<>();
    map.forEach((k, v) -> result.put(String.valueOf(k), v));
    return result;
  }

  private MutableHttpResponse<?> handle(HttpRequest<?> request, Supplier<OsbBroker.Reply> call) {
    if (!credentials.check(request.getHeaders().get(HttpHeaders.AUTHORIZATION))) {
      return error(HttpStatus.UNAUTHORIZED, "Unauthorized", "the compass broker's basic credentials are required")
          .header(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"compass-broker\"");
    }
    String version = request.getHeaders().get("X-Broker-API-Version");
    if (version == null || !version.trim().startsWith("2.")) {
      return error(HttpStatus.PRECONDITION_FAILED, "PreconditionFailed",
          "the X-Broker-API-Version header must name OSB API version 2.x");
    }
    try {
      OsbBroker.Reply reply = call.get();
      return HttpResponse.status(reply.status()).body(reply.body()).contentType(MediaType.APPLICATION_JSON_TYPE);
    } catch (ApiException e) {
      return error(e.status(), e.error(), e.description());
    } catch (CompassException e) {
      // Validation messages; "already exists" / "changed concurrently" come from a concurrent request.
      boolean conflict = e.getMessage().contains("already exists") || e.getMessage().contains("concurrently");
      return conflict ? error(HttpStatus.CONFLICT, "Conflict", e.getMessage())
          : error(HttpStatus.BAD_REQUEST, "BadRequest", e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("compass broker: {} {} failed: {}", request.getMethod(), request.getPath(), e.getClass().getName());
      return error(HttpStatus.INTERNAL_SERVER_ERROR, "InternalError", "internal error");
    }
  }

  private static MutableHttpResponse<?> error(HttpStatus status, String error, String description) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", error);
    body.put("description", description);
    return HttpResponse.status(status).body(body).contentType(MediaType.APPLICATION_JSON_TYPE);
  }
}
