package dev.servicemanager.compass.provisioner;

import dev.servicemanager.compass.CompassAccess;
import dev.servicemanager.compass.Db;
import dev.servicemanager.compass.GraphQLEndpoint;
import dev.servicemanager.compass.Scalars;
import dev.servicemanager.compass.director.RuntimeLifecycle;
import graphql.schema.DataFetchingEnvironment;
import graphql.schema.idl.RuntimeWiring;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;

/**
 * The provisioner's resolvers. A mutation validates its input and writes the runtime (PROVISIONING,
 * with its SM platform), the provisioned target and a PENDING operation in one transaction, so a
 * refused call leaves nothing; the {@link ProvisioningWorker} does the rest.
 */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
final class ProvisionerSchema {
  static final String TENANT = "compass.tenant";
  static final String SM_URL = "compass.smUrl";
  static final String CONNECTOR_URL = "compass.connectorUrl";
  final GraphQLEndpoint endpoint;

  ProvisionerSchema(Db db, Operations operations, RuntimeLifecycle runtimes) {
    this.endpoint = new GraphQLEndpoint("compass/provisioner.graphqls", RuntimeWiring.newRuntimeWiring()
        .scalar(Scalars.ANY).scalar(Scalars.LABELS).scalar(Scalars.TIMESTAMP)
        .type("Query", t -> t
            .dataFetcher("runtimeStatus", env -> db.read(tx -> operations.status(tx, tenant(env), env.getArgument("id"))))
            .dataFetcher("runtimeOperationStatus", env -> db.read(tx ->
                operations.operation(tx, tenant(env), env.getArgument("id")).map(Operations::view).orElse(null))))
        .type("Mutation", t -> t
            .dataFetcher("provisionRuntime", env -> {
              var op = db.write(tx -> operations.provision(tx, tenant(env), env.getArgument("config"),
                  env.getGraphQlContext().get(SM_URL), env.getGraphQlContext().get(CONNECTOR_URL)));
              runtimes.committed();
              return Operations.view(op);
            })
            .dataFetcher("upgradeRuntime", env -> Operations.view(db.write(tx ->
                operations.upgrade(tx, tenant(env), env.getArgument("id"), env.getArgument("config")))))
            .dataFetcher("deprovisionRuntime", env -> db.write(tx ->
                operations.deprovision(tx, tenant(env), env.getArgument("id"))).id()))
        .build());
  }

  private static String tenant(DataFetchingEnvironment env) {
    return env.getGraphQlContext().get(TENANT);
  }
}
