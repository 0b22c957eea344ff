package dev.servicemanager.compass.provisioner;

import dev.servicemanager.compass.CompassAccess;
import dev.servicemanager.compass.CompassCaller;
import dev.servicemanager.compass.GraphQLEndpoint;
import dev.servicemanager.compass.PublicUrls;
import graphql.language.OperationDefinition;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /compass/provisioner/graphql}, with the Director's rules: a bearer token, the {@code
 * Tenant} header equal to its {@code tenant} claim (or {@code sm.admin}), {@code compass.read} for
 * queries and {@code compass.write} for mutations.
 */
@Controller
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
final class ProvisionerController {
  private final ProvisionerSchema schema;
  private final PublicUrls urls;

  ProvisionerController(ProvisionerSchema schema, PublicUrls urls) {
    this.schema = schema;
    this.urls = urls;
  }

  @Post(uri = CompassAccess.PROVISIONER, consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
  HttpResponse<Map<String, Object>> graphql(
      @Body Map<String, Object> body, @Nullable @Header("Tenant") String tenant, HttpRequest<?> request) {
    Optional<GraphQLEndpoint.Request> parsed = GraphQLEndpoint.parse(body);
    if (parsed.isEmpty()) {
      return GraphQLEndpoint.refuse(HttpStatus.BAD_REQUEST,
          "the body must be a GraphQL request: {\"query\": string, \"operationName\"?: string, \"variables\"?: object}");
    }
    Optional<CompassCaller> caller = CompassCaller.of(request);
    if (caller.isEmpty()) {
      return GraphQLEndpoint.refuse(HttpStatus.UNAUTHORIZED, "a bearer token is required");
    }
    if (tenant == null || tenant.isBlank() || tenant.length() > 255) {
      return GraphQLEndpoint.refuse(HttpStatus.BAD_REQUEST, "the Tenant header is required");
    }
    CompassCaller who = caller.get();
    if (!who.isAdmin() && !who.tenant().map(tenant::equals).orElse(false)) {
      return GraphQLEndpoint.refuse(HttpStatus.FORBIDDEN, "the Tenant header does not match the token's tenant");
    }
    Optional<OperationDefinition.Operation> operation = GraphQLEndpoint.operation(parsed.get());
    if (operation.isPresent()) {
      String needed = operation.get() == OperationDefinition.Operation.QUERY ? CompassAccess.READ : CompassAccess.WRITE;
      if (!who.has(needed)) {
        return GraphQLEndpoint.refuse(HttpStatus.FORBIDDEN,
            "the token lacks the scope " + needed + " that a " + operation.get().name().toLowerCase() + " needs");
      }
    }
    Map<Object, Object> context = new HashMap<>();
    context.put(ProvisionerSchema.TENANT, tenant);
    context.put(ProvisionerSchema.SM_URL, urls.base(request));
    context.put(ProvisionerSchema.CONNECTOR_URL, urls.connector(request));
    return HttpResponse.ok(schema.endpoint.execute(parsed.get(), context));
  }
}
