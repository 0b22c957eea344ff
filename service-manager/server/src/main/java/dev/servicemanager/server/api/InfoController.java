package dev.servicemanager.server.api;

import dev.servicemanager.server.security.TokenSettings;
import dev.servicemanager.server.store.Sql;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import io.micronaut.transaction.TransactionOperations;
import java.sql.Connection;
import java.util.List;
import java.util.Map;

/** The public endpoints: {@code /v1/info} (where tokens come from) the health check and the liveness check. */
@Controller("/v1")
final class InfoController {
  private final TokenSettings tokens;
  private final Sql sql;
  private final TransactionOperations<Connection> tx;

  InfoController(TokenSettings tokens, Sql sql, TransactionOperations<Connection> tx) {
    this.tokens = tokens;
    this.sql = sql;
    this.tx = tx;
  }

  @Serdeable(naming = SnakeCaseStrategy.class)
  record Info(String tokenIssuerUrl, boolean tokenBasicAuth) {}

  @Serdeable
  record Health(String status, Map<String, Object> details) {}

  @Get("/info")
  Info info() {
    return new Info(tokens.issuer(), true);
  }

  /**
   * Liveness: answers as long as the HTTP server does, without touching the database, so that an
   * orchestrator restarts a hung process but not every replica during a database outage.
   */
  @Get("/monitor/alive")
  Health alive() {
    return new Health("UP", Map.of("process", Map.of("status", "UP")));
  }

  @Get("/monitor/health")
  HttpResponse<Health> health() {
    try {
      tx.executeRead(status -> sql.queryLong("SELECT 1", List.of()));
      return HttpResponse.ok(new Health("UP", Map.of("storage", Map.of("status", "UP"))));
    } catch (RuntimeException e) {
      // Details of the failure are not for anonymous callers; the log has them.
      org.slf4j.LoggerFactory.getLogger(InfoController.class).warn("Health check failed: {}", e.toString());
      return HttpResponse.<Health>status(HttpStatus.SERVICE_UNAVAILABLE)
          .body(new Health("DOWN", Map.of("storage", Map.of("status", "DOWN"))));
    }
  }
}
