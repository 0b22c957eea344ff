package dev.servicemanager.server.osb;

/**
 * The calling platform, with what the proxy's checks need.
 *
 * @param selfEnforcing its type enforces visibilities itself ({@code registry.PlatformTypes})
 */
record Caller(String id, String name, String type, boolean suspended, boolean selfEnforcing) {
  static final String CLOUD_FOUNDRY = "cloudfoundry";

  /** CF sends the org in the context, which the provision check matches (reference 3.3). */
  boolean isCloudFoundry() {
    return CLOUD_FOUNDRY.equals(type);
  }
}
