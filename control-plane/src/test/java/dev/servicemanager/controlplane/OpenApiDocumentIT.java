package dev.servicemanager.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import dev.servicemanager.testkit.TestDatabases;
import io.micronaut.web.router.Router;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * Fails when the plugin's routes, its JSON-RPC methods or their params and the OpenAPI document
 * (src/main/resources/openapi/control-plane.yaml) disagree. Routes come from the running server's
 * router; methods and params from the server's own answers (-32601 and -32602 name what it accepts).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class OpenApiDocumentIT {
  private ControlPlaneServer server;
  private OpenAPI doc;

  @BeforeAll
  void start() throws Exception {
    server = new ControlPlaneServer(TestDatabases.newDatabase(), Map.of());
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    String yaml;
    try (var in = getClass().getResourceAsStream("/openapi/control-plane.yaml")) {
      yaml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
    SwaggerParseResult result = new OpenAPIV3Parser().readContents(yaml, null, options);
    assertThat(result.getMessages()).isEmpty();
    doc = result.getOpenAPI();
  }

  @AfterAll
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void everyRouteOfThePluginIsDocumentedAndEveryDocumentedRouteExists() {
    Set<String> routes = server.running.context().getBean(Router.class).uriRoutes()
        .filter(r -> r.getUriMatchTemplate().toPathString().startsWith("/control-plane"))
        // Micronaut adds a HEAD route for every GET; HTTP defines HEAD by GET, so it is not documented.
        .filter(r -> !r.getHttpMethodName().equals("HEAD"))
        .map(r -> r.getHttpMethodName() + " " + r.getUriMatchTemplate().toPathString().replaceAll("\\{(\\w+):[^}]*}", "{$1}"))
        .collect(Collectors.toCollection(TreeSet::new));
    Set<String> documented = new TreeSet<>();
    doc.getPaths().forEach((path, item) -> item.readOperationsMap().keySet()
        .forEach(method -> documented.add(method.name() + " " + path)));
    assertThat(routes).isEqualTo(documented);
  }

  @Test
  void theDocumentIsServedByTheServer() {
    ControlPlaneServer.Result r = server.get("/openapi/control-plane.yaml", null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).contains("/control-plane/rpc");
  }

  @Test
  @SuppressWarnings({"unchecked", "rawtypes"})
  void documentedMethodsAndParamsAreWhatTheServerAccepts() {
    Map<String, Set<String>> documented = new TreeMap<>();
    Schema request = doc.getComponents().getSchemas().get("Request");
    for (Object ref : request.getOneOf()) {
      String name = ((Schema) ref).get$ref().replace("#/components/schemas/", "");
      Schema call = doc.getComponents().getSchemas().get(name);
      String method = String.valueOf(((Schema) call.getProperties().get("method")).getConst());
      Schema params = resolve(((Schema) call.getProperties().get("params")));
      documented.put(method, new TreeSet<>(params.getProperties().keySet()));
    }
    Map<String, Object> unknown = server.rpc("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"nope\"}").object();
    String methods = String.valueOf(((Map<String, Object>) unknown.get("error")).get("data"));
    assertThat(methods).isEqualTo("methods: " + new TreeSet<>(documented.keySet()));
    documented.forEach((method, params) -> {
      Map<String, Object> r = server.rpc("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method
          + "\",\"params\":{\"undocumented\":1}}").object();
      Map<String, Object> error = (Map<String, Object>) r.get("error");
      assertThat(error.get("code")).isEqualTo(-32602);
      assertThat(String.valueOf(error.get("data"))).as(method).endsWith("allowed: " + params);
    });
  }

  @SuppressWarnings("rawtypes")
  private Schema resolve(Schema schema) {
    while (schema.get$ref() != null) {
      schema = doc.getComponents().getSchemas().get(schema.get$ref().replace("#/components/schemas/", ""));
    }
    return schema;
  }
}
