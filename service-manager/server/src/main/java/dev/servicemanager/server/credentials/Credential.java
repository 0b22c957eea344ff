package dev.servicemanager.server.credentials;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.serde.config.naming.SnakeCaseStrategy;
import java.time.Instant;

/** A broker-platform credential as returned; the password hash is never returned. */
@Serdeable(naming = SnakeCaseStrategy.class)
public record Credential(
    String id,
    String platformId,
    String brokerId,
    String username,
    @Nullable String notificationId,
    boolean active,
    boolean ready,
    Instant createdAt,
    Instant updatedAt) {}
