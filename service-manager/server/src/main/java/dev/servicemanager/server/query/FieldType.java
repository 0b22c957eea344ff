package dev.servicemanager.server.query;

/** The value type of a queryable field; decides which literals and operators it accepts. */
public enum FieldType {
  STRING,
  BOOLEAN,
  INTEGER,
  DATETIME,
  /** A JSON column; only queryable through a path key such as {@code context/organization_guid}. */
  JSON
}
