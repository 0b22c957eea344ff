package dev.servicemanager.server.credentials;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;

/** Body of {@code PUT /v1/credentials}; the password is hashed (SHA-256) before it is stored. */
@Serdeable(naming = SnakeCaseStrategy.class)
public record CredentialRequest(
    @Nullable String brokerId, @Nullable String username, @Nullable String password, @Nullable String notificationId) {}
