package dev.servicemanager.server.osb;

/** The OSB 2.17 endpoints the platform-facing proxy serves (reference 3.1). */
enum OsbRoute {
  CATALOG,
  PROVISION,
  FETCH_INSTANCE,
  UPDATE,
  DEPROVISION,
  INSTANCE_LAST_OPERATION,
  BIND,
  FETCH_BINDING,
  UNBIND,
  BINDING_LAST_OPERATION;

  /** Requests that create or change something: refused for suspended platforms (reference 3.5). */
  boolean isWrite() {
    return this == PROVISION || this == UPDATE || this == BIND;
  }

  /** Requests whose body the proxy must read: their JSON decides plans, names and contexts. */
  boolean hasBody() {
    return isWrite();
  }

  boolean isBindingRoute() {
    return this == BIND || this == FETCH_BINDING || this == UNBIND || this == BINDING_LAST_OPERATION;
  }
}
