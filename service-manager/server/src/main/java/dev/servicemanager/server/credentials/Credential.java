package dev.servicemanager.server.credentials;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.time.Instant;

/** A broker-platform credential as returned to the agent that put it (Peripli's shape). */
@Serdeable(naming = SnakeCaseStrategy.class)
public record Credential(
    String id,
    String platformId,
    String brokerId,
    String username,
    // What the agent sent (bcrypt), or SHA-256 of a plain password; Peripli's agent refuses an
    // answer without it ("missing password_hash"). Only in the answer to the platform that sent it.
    String passwordHash,
    @Nullable String notificationId,
    boolean active,
    boolean ready,
    Instant createdAt,
    Instant updatedAt) {}
