package dev.servicemanager.compass;

import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.jdbc.DataSourceResolver;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The adapter's own Flyway migrations ({@code classpath:compass/db/migration}) with their own
 * history table, so they never mix with the server's. Runs at startup, after the server's
 * migrations (which run when the data source is created). Baselining at version 0 lets Flyway
 * start in a schema that already holds the server's tables.
 */
@Context
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
public final class CompassMigration {
  static final String HISTORY_TABLE = "compass_schema_history";

  CompassMigration(DataSource dataSource, @Nullable DataSourceResolver resolver) {
    DataSource raw = (resolver == null ? DataSourceResolver.DEFAULT : resolver).resolve(dataSource);
    Flyway.configure(CompassMigration.class.getClassLoader())
        .dataSource(raw)
        .locations("classpath:compass/db/migration")
        .table(HISTORY_TABLE)
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .load()
        .migrate();
  }
}
