package dev.servicemanager.controlplane.state;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/**
 * One target of a runtime as the API shows it.
 *
 * @param observed what the runtime's consumers last reported ({@code paused}, {@code running},
 *     {@code absent} when no consumer of that service matches), null before any report
 * @param reconciled observed equals desired, for the current revision
 */
@Serdeable
public record TargetView(
    String kind, String name, String desired, @Nullable String observed, boolean reconciled, @Nullable String defaultState) {}
