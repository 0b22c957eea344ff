package dev.servicemanager.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.server.support.Api;
import dev.servicemanager.server.support.ApiTestBase;
import io.micronaut.test.extensions.junit5.annotation.MicronautTest;
import io.micronaut.web.router.Router;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import jakarta.inject.Inject;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The document in openapi/ and the server's routes must describe the same API. */
@MicronautTest(transactional = false)
class OpenApiContractIT extends ApiTestBase {
  @Inject Router router;

  private OpenAPI served() {
    Api.Result result = anonymous().get("/openapi/service-manager.yaml");
    assertThat(result.status()).isEqualTo(200);
    SwaggerParseResult parsed = new OpenAPIV3Parser().readContents(result.body());
    assertThat(parsed.getMessages()).as("parser messages").isEmpty();
    return parsed.getOpenAPI();
  }

  @Test
  void theDocumentIsServedWithoutAuthenticationAndIsValidOpenApi31() {
    OpenAPI api = served();
    assertThat(api.getOpenapi()).startsWith("3.1");
  }

  @Test
  void everyRouteIsDocumentedAndEveryDocumentedRouteExists() {
    Set<String> documented = new TreeSet<>();
    served()
        .getPaths()
        .forEach(
            (path, item) ->
                item.readOperationsMap().keySet().forEach(method -> documented.add(method.name() + " " + path)));
    Set<String> implemented =
        router.uriRoutes()
            // Micronaut answers HEAD for every GET by itself.
            .filter(route -> !route.getHttpMethodName().equals("HEAD"))
            .map(route -> route.getHttpMethodName() + " " + route.getUriMatchTemplate().toPathString())
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(implemented).as("routes in the server").containsExactlyElementsOf(documented);
  }
}
