package dev.servicemanager.server.credentials;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;

/**
 * Body of {@code PUT /v1/credentials}: either {@code password} (stored as its SHA-256 hash) or, as
 * Peripli's agents send it, {@code password_hash} (a bcrypt hash, stored as it is).
 */
@Serdeable(naming = SnakeCaseStrategy.class)
public record CredentialRequest(
    @Nullable String brokerId,
    @Nullable String username,
    @Nullable String password,
    @Nullable String passwordHash,
    @Nullable String notificationId) {}
