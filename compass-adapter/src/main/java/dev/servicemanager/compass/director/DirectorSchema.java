package dev.servicemanager.compass.director;

import dev.servicemanager.compass.CompassAccess;
import dev.servicemanager.compass.CompassException;
import dev.servicemanager.compass.Db;
import dev.servicemanager.compass.GraphQLEndpoint;
import dev.servicemanager.compass.Scalars;
import dev.servicemanager.compass.connector.OneTimeTokens;
import dev.servicemanager.compass.director.LabelStore.ObjectType;
import graphql.schema.DataFetcher;
import graphql.schema.DataFetchingEnvironment;
import graphql.schema.TypeResolver;
import graphql.schema.idl.RuntimeWiring;
import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The Director's resolvers. Each root field runs in one transaction and returns complete objects,
 * so nested fields (labels, bundles, definitions) are read from memory; a failing mutation writes
 * nothing. Every call is for the tenant the controller put in the context.
 */
@Singleton
@Requires(property = CompassAccess.ENABLED, value = "true", defaultValue = "true")
final class DirectorSchema {
  static final String TENANT = "compass.tenant";
  static final String CONNECTOR_URL = "compass.connectorUrl";

  private final Db db;
  private final ApplicationStore apps;
  private final RuntimeStore runtimes;
  private final BundleStore bundles;
  private final LabelStore labels;
  private final InstanceAuthStore instanceAuths;
  private final WebhookStore webhooks;
  private final OneTimeTokens tokens;
  private final BrokerSync brokerSync;
  final GraphQLEndpoint endpoint;

  /** Mutations that change the compass broker's catalog or its plans' visibilities. */
  private static final java.util.Set<String> BROKER_RELEVANT = java.util.Set.of(
      "registerApplication", "updateApplication", "unregisterApplication", "addBundle", "updateBundle", "deleteBundle",
      "addAPIDefinitionToBundle", "addEventDefinitionToBundle", "registerRuntime", "updateRuntime", "unregisterRuntime",
      "setApplicationLabel", "deleteApplicationLabel", "setRuntimeLabel", "deleteRuntimeLabel");

  DirectorSchema(Db db, ApplicationStore apps, RuntimeStore runtimes, BundleStore bundles, LabelStore labels,
      InstanceAuthStore instanceAuths, WebhookStore webhooks, OneTimeTokens tokens,
      @io.micronaut.core.annotation.Nullable BrokerSync brokerSync) {
    this.brokerSync = brokerSync;
    this.webhooks = webhooks;
    this.instanceAuths = instanceAuths;
    this.db = db;
    this.apps = apps;
    this.runtimes = runtimes;
    this.bundles = bundles;
    this.labels = labels;
    this.tokens = tokens;
    this.endpoint = new GraphQLEndpoint("compass/director.graphqls", wiring());
  }

  private RuntimeWiring wiring() {
    return RuntimeWiring.newRuntimeWiring()
        .scalar(Scalars.ANY).scalar(Scalars.LABELS).scalar(Scalars.HTTP_HEADERS).scalar(Scalars.QUERY_PARAMS)
        .scalar(Scalars.JSON_SCHEMA).scalar(Scalars.JSON).scalar(Scalars.CLOB).scalar(Scalars.PAGE_CURSOR).scalar(Scalars.TIMESTAMP)
        .type("Query", t -> t
            .dataFetcher("applications", read((tx, env) -> apps.list(tx, tenant(env), env.getArgument("filter"), paging(env))))
            .dataFetcher("application", read((tx, env) -> apps.find(tx, tenant(env), env.getArgument("id")).orElse(null)))
            .dataFetcher("applicationsForRuntime", read((tx, env) -> {
              Model.Runtime runtime = runtimes.get(tx, tenant(env), env.getArgument("runtimeID"));
              List<String> scenarios = runtimes.scenarios(runtime);
              Paging paging = paging(env);
              return scenarios.isEmpty() ? paging.page(List.of(), 0) : apps.forScenarios(tx, tenant(env), scenarios, paging);
            }))
            .dataFetcher("runtimes", read((tx, env) -> runtimes.list(tx, tenant(env), env.getArgument("filter"), paging(env))))
            .dataFetcher("runtime", read((tx, env) -> runtimes.find(tx, tenant(env), env.getArgument("id")).orElse(null)))
            .dataFetcher("labelDefinitions", read((tx, env) -> labels.definitions(tx, tenant(env))))
            .dataFetcher("labelDefinition", read((tx, env) -> labels.definition(tx, tenant(env), env.getArgument("key")).orElse(null)))
            .dataFetcher("bundleInstanceAuth", read((tx, env) -> instanceAuths.find(tx, tenant(env), env.getArgument("id")).orElse(null)))
            .dataFetcher("bundleByInstanceAuth", read((tx, env) -> {
              String[] appAndBundle = bundles.ofInstanceAuth(tx, tenant(env), env.getArgument("authID"));
              return bundle(tx, env, appAndBundle[0], appAndBundle[1]);
            })))
        .type("Mutation", t -> t
            .dataFetcher("registerApplication", write((tx, env) -> apps.register(tx, tenant(env), env.getArgument("in"))))
            .dataFetcher("updateApplication", write((tx, env) -> apps.update(tx, tenant(env), env.getArgument("id"), env.getArgument("in"))))
            .dataFetcher("unregisterApplication", write((tx, env) -> apps.delete(tx, tenant(env), env.getArgument("id"))))
            .dataFetcher("addBundle", write((tx, env) -> {
              String appId = env.getArgument("applicationID");
              apps.lock(tx, tenant(env), appId);
              return bundle(tx, env, appId, bundles.insert(tx, appId, env.getArgument("in")));
            }))
            .dataFetcher("updateBundle", write((tx, env) -> {
              String appId = bundles.applicationOf(tx, tenant(env), env.getArgument("id"));
              bundles.update(tx, env.getArgument("id"), env.getArgument("in"));
              return bundle(tx, env, appId, env.getArgument("id"));
            }))
            .dataFetcher("deleteBundle", write((tx, env) -> {
              String appId = bundles.applicationOf(tx, tenant(env), env.getArgument("id"));
              Model.Bundle old = bundle(tx, env, appId, env.getArgument("id"));
              bundles.delete(tx, old.id());
              return old;
            }))
            .dataFetcher("addAPIDefinitionToBundle", write((tx, env) -> {
              String appId = bundles.applicationOf(tx, tenant(env), env.getArgument("bundleID"));
              String id = bundles.insertApi(tx, env.getArgument("bundleID"), env.getArgument("in"));
              return bundle(tx, env, appId, env.getArgument("bundleID")).apiDefinitions().stream()
                  .filter(a -> a.id().equals(id)).findFirst().orElseThrow();
            }))
            .dataFetcher("addEventDefinitionToBundle", write((tx, env) -> {
              String appId = bundles.applicationOf(tx, tenant(env), env.getArgument("bundleID"));
              String id = bundles.insertEvent(tx, env.getArgument("bundleID"), env.getArgument("in"));
              return bundle(tx, env, appId, env.getArgument("bundleID")).eventDefinitions().stream()
                  .filter(a -> a.id().equals(id)).findFirst().orElseThrow();
            }))
            .dataFetcher("requestBundleInstanceAuthCreation", write((tx, env) -> {
              String appId = bundles.applicationOf(tx, tenant(env), env.getArgument("bundleID"));
              Model.Bundle bundle = bundle(tx, env, appId, env.getArgument("bundleID"));
              return instanceAuths.request(tx, tenant(env), bundle, env.getArgument("in"));
            }))
            .dataFetcher("setBundleInstanceAuth", write((tx, env) ->
                instanceAuths.set(tx, tenant(env), env.getArgument("authID"), env.getArgument("in"))))
            .dataFetcher("requestBundleInstanceAuthDeletion", write((tx, env) ->
                instanceAuths.requestDeletion(tx, tenant(env), env.getArgument("authID"))))
            .dataFetcher("deleteBundleInstanceAuth", write((tx, env) ->
                instanceAuths.delete(tx, tenant(env), env.getArgument("authID"))))
            .dataFetcher("registerRuntime", write((tx, env) -> {
              webhooks.lockScenarios(tx, tenant(env));
              Model.Runtime created = runtimes.register(tx, tenant(env), env.getArgument("in"));
              webhooks.runtimeScenariosChanged(tx, tenant(env), created.id(), created.name(), List.of(), runtimes.scenarios(created));
              return created;
            }))
            .dataFetcher("updateRuntime", write((tx, env) -> {
              webhooks.lockScenarios(tx, tenant(env));
              List<String> before = runtimes.find(tx, tenant(env), env.getArgument("id")).map(runtimes::scenarios).orElse(List.of());
              Model.Runtime updated = runtimes.update(tx, tenant(env), env.getArgument("id"), env.getArgument("in"));
              webhooks.runtimeScenariosChanged(tx, tenant(env), updated.id(), updated.name(), before, runtimes.scenarios(updated));
              return updated;
            }))
            .dataFetcher("unregisterRuntime", write((tx, env) -> {
              webhooks.lockScenarios(tx, tenant(env));
              Model.Runtime old = runtimes.delete(tx, tenant(env), env.getArgument("id"));
              webhooks.runtimeScenariosChanged(tx, tenant(env), old.id(), old.name(), runtimes.scenarios(old), List.of());
              return old;
            }))
            .dataFetcher("addWebhook", write((tx, env) -> {
              String appId = env.getArgument("applicationID");
              String runtimeId = env.getArgument("runtimeID");
              if ((appId == null) == (runtimeId == null)) {
                throw CompassException.invalid("give exactly one of applicationID or runtimeID");
              }
              if (appId != null) {
                apps.lock(tx, tenant(env), appId);
              } else {
                runtimes.lock(tx, tenant(env), runtimeId);
              }
              return webhooks.add(tx, tenant(env), appId, runtimeId, env.getArgument("in"));
            }))
            .dataFetcher("updateWebhook", write((tx, env) ->
                webhooks.update(tx, tenant(env), env.getArgument("webhookID"), env.getArgument("in"))))
            .dataFetcher("deleteWebhook", write((tx, env) ->
                webhooks.delete(tx, tenant(env), env.getArgument("webhookID"))))
            .dataFetcher("createLabelDefinition", write((tx, env) -> {
              Map<String, Object> in = env.getArgument("in");
              return labels.create(tx, tenant(env), (String) in.get("key"), (String) in.get("schema"));
            }))
            .dataFetcher("updateLabelDefinition", write((tx, env) -> {
              Map<String, Object> in = env.getArgument("in");
              return labels.update(tx, tenant(env), (String) in.get("key"), (String) in.get("schema"));
            }))
            .dataFetcher("setApplicationLabel", write((tx, env) -> {
              String id = env.getArgument("applicationID");
              String key = env.getArgument("key");
              return applicationLabelChange(tx, env, id, key,
                  () -> new Model.Label(key, labels.set(tx, tenant(env), ObjectType.APPLICATION, id, key, env.getArgument("value"))));
            }))
            .dataFetcher("deleteApplicationLabel", write((tx, env) -> {
              String id = env.getArgument("applicationID");
              return applicationLabelChange(tx, env, id, env.getArgument("key"),
                  () -> deleteLabel(tx, ObjectType.APPLICATION, id, env.getArgument("key")));
            }))
            .dataFetcher("setRuntimeLabel", write((tx, env) -> {
              boolean scenarios = LabelStore.SCENARIOS.equals(env.getArgument("key"));
              if (scenarios) {
                webhooks.lockScenarios(tx, tenant(env));
              }
              Model.Runtime runtime = runtimes.lock(tx, tenant(env), env.getArgument("runtimeID"));
              String key = env.getArgument("key");
              Object value = env.getArgument("value");
              if (RuntimeStore.RUNTIME_TYPE.equals(key) && !Objects.equals(value, runtime.labels().get(key))) {
                throw CompassException.invalid("label 'runtimeType' cannot change: it is the type of the runtime's platform");
              }
              Model.Label label = new Model.Label(key, labels.set(tx, tenant(env), ObjectType.RUNTIME, runtime.id(), key, value));
              if (scenarios) {
                webhooks.runtimeScenariosChanged(tx, tenant(env), runtime.id(), runtime.name(), runtimes.scenarios(runtime),
                    runtimes.scenarios(runtimes.get(tx, tenant(env), runtime.id())));
              }
              return label;
            }))
            .dataFetcher("deleteRuntimeLabel", write((tx, env) -> {
              boolean scenarios = LabelStore.SCENARIOS.equals(env.getArgument("key"));
              if (scenarios) {
                webhooks.lockScenarios(tx, tenant(env));
              }
              Model.Runtime runtime = runtimes.lock(tx, tenant(env), env.getArgument("runtimeID"));
              if (RuntimeStore.RUNTIME_TYPE.equals(env.getArgument("key"))) {
                throw CompassException.invalid("label 'runtimeType' cannot be deleted: it is the type of the runtime's platform");
              }
              Model.Label label = deleteLabel(tx, ObjectType.RUNTIME, runtime.id(), env.getArgument("key"));
              if (scenarios) {
                webhooks.runtimeScenariosChanged(tx, tenant(env), runtime.id(), runtime.name(), runtimes.scenarios(runtime), List.of());
              }
              return label;
            }))
            .dataFetcher("requestOneTimeTokenForApplication", write((tx, env) -> {
              String id = env.getArgument("id");
              apps.lock(tx, tenant(env), id);
              return token(env, tokens.issue(tx, tenant(env), OneTimeTokens.APPLICATION, id), "Application");
            }))
            .dataFetcher("requestOneTimeTokenForRuntime", write((tx, env) -> {
              String id = env.getArgument("id");
              runtimes.lock(tx, tenant(env), id);
              return token(env, tokens.issue(tx, tenant(env), OneTimeTokens.RUNTIME, id), "Runtime");
            })))
        .type("Application", t -> t
            .dataFetcher("labels", env -> labelsOf(env, ((Model.Application) env.getSource()).labels()))
            .dataFetcher("bundles", env -> paging(env).slice(((Model.Application) env.getSource()).bundles()))
            .dataFetcher("bundle", env -> byId(((Model.Application) env.getSource()).bundles(), Model.Bundle::id, env.getArgument("id"))))
        .type("Runtime", t -> t
            .dataFetcher("labels", env -> labelsOf(env, ((Model.Runtime) env.getSource()).labels())))
        .type("Webhook", t -> t
            .dataFetcher("deliveries", env -> {
              List<Model.WebhookDelivery> all = ((Model.Webhook) env.getSource()).deliveries();
              Integer first = env.getArgument("first");
              if (first == null || first < 1 || first > WebhookStore.DELIVERIES_SHOWN) {
                throw CompassException.invalid("first must be 1 to " + WebhookStore.DELIVERIES_SHOWN);
              }
              return all.subList(0, Math.min(first, all.size()));
            }))
        .type("Bundle", t -> t
            .dataFetcher("apiDefinitions", env -> paging(env).slice(((Model.Bundle) env.getSource()).apiDefinitions().stream()
                .filter(a -> env.getArgument("group") == null || Objects.equals(env.getArgument("group"), a.group())).toList()))
            .dataFetcher("eventDefinitions", env -> paging(env).slice(((Model.Bundle) env.getSource()).eventDefinitions().stream()
                .filter(a -> env.getArgument("group") == null || Objects.equals(env.getArgument("group"), a.group())).toList()))
            .dataFetcher("apiDefinition", env -> byId(((Model.Bundle) env.getSource()).apiDefinitions(), Model.ApiDefinition::id, env.getArgument("id")))
            .dataFetcher("eventDefinition", env -> byId(((Model.Bundle) env.getSource()).eventDefinitions(), Model.EventDefinition::id, env.getArgument("id")))
            .dataFetcher("instanceAuth", env -> byId(((Model.Bundle) env.getSource()).instanceAuths(), Model.InstanceAuth::id, env.getArgument("id"))))
        .type("CredentialData", t -> t.typeResolver(byTag(
            m -> "oauth".equals(m.get("type")) ? "OAuthCredentialData" : "BasicCredentialData")))
        .type("OneTimeToken", t -> t.typeResolver(byTag(m -> "OneTimeTokenFor" + m.get("type"))))
        .type("Pageable", t -> t.typeResolver(env -> {
          throw new IllegalStateException("Pageable is never returned as such");
        }))
        .build();
  }

  @FunctionalInterface
  private interface Work<T> {
    T run(Db.Tx tx, DataFetchingEnvironment env) throws java.sql.SQLException;
  }

  private <T> DataFetcher<T> read(Work<T> work) {
    return env -> db.read(tx -> work.run(tx, env));
  }

  private <T> DataFetcher<T> write(Work<T> work) {
    return env -> {
      T result = db.write(tx -> work.run(tx, env));
      // Committed: the broker's catalog and visibilities follow in the background.
      if (brokerSync != null && BROKER_RELEVANT.contains(env.getField().getName())) {
        brokerSync.changed();
      }
      return result;
    };
  }

  private static String tenant(DataFetchingEnvironment env) {
    return env.getGraphQlContext().get(TENANT);
  }

  private static Paging paging(DataFetchingEnvironment env) {
    return Paging.of(env.getArgument("first"), env.getArgument("after"));
  }

  private Model.Bundle bundle(Db.Tx tx, DataFetchingEnvironment env, String appId, String bundleId) throws java.sql.SQLException {
    return apps.get(tx, tenant(env), appId).bundles().stream().filter(b -> b.id().equals(bundleId)).findFirst()
        .orElseThrow(() -> CompassException.notFound("bundle", bundleId));
  }

  @FunctionalInterface
  private interface LabelChange {
    Model.Label run() throws java.sql.SQLException;
  }

  /** A label change of an application; a change of its scenarios is reported to its webhooks. */
  private Model.Label applicationLabelChange(Db.Tx tx, DataFetchingEnvironment env, String id, String key, LabelChange change)
      throws java.sql.SQLException {
    boolean scenarios = LabelStore.SCENARIOS.equals(key);
    if (scenarios) {
      webhooks.lockScenarios(tx, tenant(env));
    }
    apps.lock(tx, tenant(env), id);
    List<String> before = scenarios ? applicationScenarios(tx, env, id) : List.of();
    Model.Label label = change.run();
    if (scenarios) {
      Model.Application app = apps.get(tx, tenant(env), id);
      webhooks.applicationScenariosChanged(tx, tenant(env), id, app.name(), before, applicationScenarios(tx, env, id));
    }
    return label;
  }

  @SuppressWarnings("unchecked")
  private List<String> applicationScenarios(Db.Tx tx, DataFetchingEnvironment env, String id) throws java.sql.SQLException {
    return labels.load(tx, ObjectType.APPLICATION, List.of(id)).getOrDefault(id, Map.of()).get(LabelStore.SCENARIOS)
        instanceof List<?> list ? (List<String>) list : List.of();
  }

  private Model.Label deleteLabel(Db.Tx tx, ObjectType type, String id, String key) throws java.sql.SQLException {
    return labels.delete(tx, type, id, key).map(value -> new Model.Label(key, value))
        .orElseThrow(() -> new CompassException("label '" + key + "' not found on " + type.name().toLowerCase() + " '" + id + "'"));
  }

  private static Map<String, Object> labelsOf(DataFetchingEnvironment env, Map<String, Object> all) {
    String key = env.getArgument("key");
    if (key == null) {
      return all;
    }
    return all.containsKey(key) ? Map.of(key, all.get(key)) : Map.of();
  }

  private static <T> T byId(List<T> items, Function<T, String> id, String wanted) {
    return items.stream().filter(i -> id.apply(i).equals(wanted)).findFirst().orElse(null);
  }

  @SuppressWarnings("unchecked")
  private static TypeResolver byTag(Function<Map<String, Object>, String> name) {
    return env -> env.getSchema().getObjectType(name.apply((Map<String, Object>) env.getObject()));
  }

  private static Map<String, Object> token(DataFetchingEnvironment env, OneTimeTokens.Issued issued, String type) {
    Map<String, Object> token = new LinkedHashMap<>();
    token.put("token", issued.token());
    token.put("connectorURL", env.getGraphQlContext().get(CONNECTOR_URL));
    token.put("used", false);
    token.put("expiresAt", issued.expiresAt());
    token.put("createdAt", issued.createdAt());
    token.put("type", type);
    return token;
  }
}
