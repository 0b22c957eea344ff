package dev.servicemanager.server.osb;

/**
 * A broker's answer to a forwarded OSB request, as received.
 *
 * @param retryAfter the broker's {@code Retry-After} header (last_operation only), or null
 */
public record BrokerReply(int status, byte[] body, String retryAfter) {}
