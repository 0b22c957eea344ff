package dev.servicemanager.server.osb;

import java.util.Map;

/**
 * One platform request on {@code /v1/osb/{broker_id}/v2/...}, as the controller bound it.
 *
 * @param pathAndQuery the raw broker-relative path ({@code /v2/...}) with the raw query, forwarded verbatim
 * @param query decoded query parameters (the proxy reads {@code plan_id} etc. from them)
 * @param headers the OSB headers to forward (version, originating identity, content type)
 * @param requestIdentity the platform's {@code X-Broker-API-Request-Identity}, or a new UUID
 * @param caller the calling platform, as authentication found it
 * @param body the raw request body, or null
 */
record OsbCall(
    OsbRoute route,
    String brokerId,
    String instanceId,
    String bindingId,
    Caller caller,
    String method,
    String pathAndQuery,
    Map<String, String> query,
    Map<String, String> headers,
    String requestIdentity,
    byte[] body) {
  OsbCall {
    query = Map.copyOf(query);
    headers = Map.copyOf(headers);
  }

  String platformId() {
    return caller.id();
  }
}
