package dev.servicemanager.server.osb;

/** The calling platform, with what the proxy's checks need. */
record Caller(String id, String name, String type, boolean suspended) {
  static final String CLOUD_FOUNDRY = "cloudfoundry";

  /** CF enforces org visibility itself and sends the org in the context (reference 3.3). */
  boolean isCloudFoundry() {
    return CLOUD_FOUNDRY.equals(type);
  }
}
