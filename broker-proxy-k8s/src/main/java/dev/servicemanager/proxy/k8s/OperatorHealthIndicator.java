package dev.servicemanager.proxy.k8s;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.health.HealthStatus;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.Map;
import org.reactivestreams.Publisher;

/**
 * Part of {@code GET /health}: DOWN when the last operator pass could not list its custom resources (CRDs
 * not installed, no RBAC) or reach SM; a failing single resource shows in its conditions instead.
 */
@Singleton
@Requires(beans = Operator.class)
final class OperatorHealthIndicator implements HealthIndicator {
  private final Operator operator;

  OperatorHealthIndicator(Operator operator) {
    this.operator = operator;
  }

  @Override
  public Publisher<HealthResult> getResult() {
    HealthStatus status = operator.lastError() != null ? HealthStatus.DOWN
        : operator.lastSuccess() == null ? HealthStatus.UNKNOWN : HealthStatus.UP;
    Map<String, Object> details = new LinkedHashMap<>();
    if (operator.lastSuccess() != null) {
      details.put("lastPass", operator.lastSuccess().toString());
    }
    if (operator.lastError() != null) {
      details.put("error", operator.lastError());
    }
    details.put("reconciles", operator.reconciles.get());
    details.put("reconcileErrors", operator.reconcileErrors.get());
    return Publishers.just(HealthResult.builder("k8sOperator", status).details(details).build());
  }
}
