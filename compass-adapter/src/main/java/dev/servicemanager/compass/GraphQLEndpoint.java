package dev.servicemanager.compass;

import dev.servicemanager.spi.ApiException;
import graphql.ExecutionInput;
import graphql.ExecutionResult;
import graphql.GraphQL;
import graphql.GraphqlErrorBuilder;
import graphql.execution.DataFetcherExceptionHandler;
import graphql.execution.DataFetcherExceptionHandlerParameters;
import graphql.execution.DataFetcherExceptionHandlerResult;
import graphql.analysis.MaxQueryDepthInstrumentation;
import graphql.language.Document;
import graphql.language.OperationDefinition;
import graphql.parser.InvalidSyntaxException;
import graphql.parser.Parser;
import graphql.schema.GraphQLSchema;
import graphql.schema.idl.RuntimeWiring;
import graphql.schema.idl.SchemaGenerator;
import graphql.schema.idl.SchemaParser;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One GraphQL schema served over HTTP: parses the request body, runs it with a context, and turns
 * failures of data fetchers into GraphQL errors. A {@link CompassException} or {@link
 * ApiException} becomes an error with its message; anything else is logged and shown as an
 * internal error, so nothing internal leaks and the HTTP layer never answers 500.
 */
public final class GraphQLEndpoint {
  private static final Logger LOG = LoggerFactory.getLogger(GraphQLEndpoint.class);
  private final GraphQL graphQL;

  /** A parsed request: the text, the operation's name and the variables. */
  public record Request(String query, String operationName, Map<String, Object> variables) {}

  public GraphQLEndpoint(String schemaResource, RuntimeWiring wiring) {
    String sdl;
    try (InputStream in = GraphQLEndpoint.class.getClassLoader().getResourceAsStream(schemaResource)) {
      if (in == null) {
        throw new IllegalStateException("missing " + schemaResource);
      }
      sdl = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    GraphQLSchema schema = new SchemaGenerator().makeExecutableSchema(new SchemaParser().parse(sdl), wiring);
    this.graphQL =
        GraphQL.newGraphQL(schema)
            .defaultDataFetcherExceptionHandler(new Errors())
            .instrumentation(new MaxQueryDepthInstrumentation(15))
            .build();
  }

  /** The body's fields, or empty when it is not a GraphQL request. */
  @SuppressWarnings("unchecked")
  public static Optional<Request> parse(Map<String, Object> body) {
    if (body == null || !(body.get("query") instanceof String query) || query.isBlank()) {
      return Optional.empty();
    }
    Object name = body.get("operationName");
    Object variables = body.get("variables");
    if ((name != null && !(name instanceof String)) || (variables != null && !(variables instanceof Map))) {
      return Optional.empty();
    }
    return Optional.of(
        new Request(query, (String) name, variables == null ? Map.of() : (Map<String, Object>) variables));
  }

  /**
   * The type of the operation the request runs, or empty when the text does not parse or names no
   * operation (execution then reports the error).
   */
  public static Optional<OperationDefinition.Operation> operation(Request request) {
    Document document;
    try {
      document = Parser.parse(request.query());
    } catch (InvalidSyntaxException | IllegalArgumentException e) {
      return Optional.empty();
    }
    List<OperationDefinition> operations = document.getDefinitionsOfType(OperationDefinition.class);
    for (OperationDefinition op : operations) {
      if (request.operationName() == null ? operations.size() == 1 : request.operationName().equals(op.getName())) {
        return Optional.of(op.getOperation());
      }
    }
    return Optional.empty();
  }

  public Map<String, Object> execute(Request request, Map<Object, Object> context) {
    ExecutionResult result =
        graphQL.execute(
            ExecutionInput.newExecutionInput()
                .query(request.query())
                .operationName(request.operationName())
                .variables(request.variables())
                .graphQLContext(context)
                .build());
    return result.toSpecification();
  }

  /** A GraphQL-shaped error body for refusals before execution. */
  public static HttpResponse<Map<String, Object>> refuse(HttpStatus status, String message) {
    return HttpResponse.<Map<String, Object>>status(status).body(Map.of("errors", List.of(Map.of("message", message))));
  }

  private static final class Errors implements DataFetcherExceptionHandler {
    @Override
    public CompletableFuture<DataFetcherExceptionHandlerResult> handleException(
        DataFetcherExceptionHandlerParameters parameters) {
      Throwable e = parameters.getException();
      while (!(e instanceof CompassException || e instanceof ApiException) && e.getCause() != null && e.getCause() != e) {
        e = e.getCause();
      }
      String message;
      String code;
      if (e instanceof CompassException) {
        message = e.getMessage();
        code = "InvalidRequest";
      } else if (e instanceof ApiException api) {
        message = api.description();
        code = api.error();
      } else {
        LOG.error("Compass call failed at {}", parameters.getPath(), parameters.getException());
        message = "internal error";
        code = "InternalError";
      }
      return CompletableFuture.completedFuture(
          DataFetcherExceptionHandlerResult.newResult()
              .error(
                  GraphqlErrorBuilder.newError(parameters.getDataFetchingEnvironment())
                      .message(message)
                      .extensions(Map.of("error", code))
                      .build())
              .build());
    }
  }
}
