package dev.servicemanager.controlplane.state;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import java.util.List;

/** A runtime with desired and observed state, as {@code getState}, {@code listRuntimes} and the page show it. */
@Serdeable
public record RuntimeView(
    String runtime,
    String namespace,
    String topic,
    String source,
    long revision,
    String updatedAt,
    @Nullable Long observedRevision,
    @Nullable String observedAt,
    @Nullable String observedInstance,
    boolean reconciled,
    List<TargetView> targets) {

  public RuntimeId id() {
    return new RuntimeId(namespace, runtime);
  }
}
