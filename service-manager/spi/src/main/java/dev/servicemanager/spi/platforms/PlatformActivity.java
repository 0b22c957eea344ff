package dev.servicemanager.spi.platforms;

import java.time.Instant;

/**
 * Whether a platform's agent is connected to the notifications websocket (it has pinged on the
 * current connection), and when its last connection ended (null: never or still connected).
 */
public record PlatformActivity(boolean active, Instant lastActive) {}
