package dev.servicemanager.compass.connector;

import dev.servicemanager.compass.CompassAccess;
import dev.servicemanager.compass.GraphQLEndpoint;
import dev.servicemanager.compass.PublicUrls;
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

/** {@code POST /compass/connector/graphql}: no login, the {@code connector-token} header is the credential. */
@Controller
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
final class ConnectorController {
  static final String TOKEN_HEADER = "connector-token";
  private final ConnectorSchema schema;
  private final PublicUrls urls;

  ConnectorController(ConnectorSchema schema, PublicUrls urls) {
    this.schema = schema;
    this.urls = urls;
  }

  @Post(uri = CompassAccess.CONNECTOR, consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
  HttpResponse<Map<String, Object>> graphql(
      @Body Map<String, Object> body, @Nullable @Header(TOKEN_HEADER) String token, HttpRequest<?> request) {
    Optional<GraphQLEndpoint.Request> parsed = GraphQLEndpoint.parse(body);
    if (parsed.isEmpty()) {
      return GraphQLEndpoint.refuse(HttpStatus.BAD_REQUEST,
          "the body must be a GraphQL request: {\"query\": string, \"operationName\"?: string, \"variables\"?: object}");
    }
    Map<Object, Object> context = new HashMap<>();
    if (token != null) {
      context.put(ConnectorSchema.TOKEN, token);
    }
    context.put(ConnectorSchema.DIRECTOR_URL, urls.director(request));
    return HttpResponse.ok(schema.endpoint.execute(parsed.get(), context));
  }
}
