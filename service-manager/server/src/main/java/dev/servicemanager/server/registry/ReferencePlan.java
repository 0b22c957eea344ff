package dev.servicemanager.server.registry;

/**
 * The synthetic {@code reference-instance} plan the Service Manager adds to every offering that has
 * a shareable plan (reference 2.13). Instances of it are references to a shared instance: they are
 * answered by the Service Manager itself, and binds on them go to the broker against the shared one.
 */
public final class ReferencePlan {
  /** The plan's name; brokers may not use it. */
  public static final String NAME = "reference-instance";
  /** Catalog id prefix, followed by the offering's catalog id. Never sent to a broker. */
  public static final String CATALOG_PREFIX = "sm-reference-instance-";
  /** Plan metadata key of shareable broker plans. */
  public static final String SHARING_KEY = "supportsInstanceSharing";

  private ReferencePlan() {}

  public static boolean isReference(String catalogId) {
    return catalogId != null && catalogId.startsWith(CATALOG_PREFIX);
  }
}
