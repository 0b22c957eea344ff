package dev.servicemanager.controlplane.rpc;

import io.micronaut.core.annotation.Nullable;

/** A JSON-RPC error object to answer with (JSON-RPC 2.0 section 5.1). */
final class RpcException extends RuntimeException {
  static final int PARSE_ERROR = -32700;
  static final int INVALID_REQUEST = -32600;
  static final int METHOD_NOT_FOUND = -32601;
  static final int INVALID_PARAMS = -32602;
  static final int INTERNAL_ERROR = -32603;
  // Application codes (the spec leaves -32000..-32099 to the server).
  static final int RUNTIME_NOT_FOUND = -32001;
  static final int CONFLICT = -32002;
  static final int FORBIDDEN = -32003;

  final int code;
  @Nullable final transient Object data;

  RpcException(int code, String message, @Nullable Object data) {
    super(message, null, false, false);
    this.code = code;
    this.data = data;
  }

  RpcException(int code, String message) {
    this(code, message, null);
  }

  static RpcException invalidParams(String detail) {
    return new RpcException(INVALID_PARAMS, "Invalid params", detail);
  }
}
