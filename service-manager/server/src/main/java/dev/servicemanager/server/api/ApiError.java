package dev.servicemanager.server.api;

import io.micronaut.serde.annotation.Serdeable;

/** The error body of every API response: {@code {"error": "<Code>", "description": "<text>"}}. */
@Serdeable
public record ApiError(String error, String description) {}
