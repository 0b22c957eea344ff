package dev.servicemanager.server.registry;

import static dev.servicemanager.server.store.ResourceType.field;

import dev.servicemanager.server.crypto.Encryptor;
import dev.servicemanager.server.events.ChangeLog;
import dev.servicemanager.server.events.ChangeLog.ChangeType;
import dev.servicemanager.server.events.ChangeLog.Snapshot;
import dev.servicemanager.server.osb.BrokerEndpoint;
import dev.servicemanager.server.osb.OsbClient;
import dev.servicemanager.server.query.FieldType;
import dev.servicemanager.server.query.SqlFragment;
import dev.servicemanager.server.store.Json;
import dev.servicemanager.server.store.Labels;
import dev.servicemanager.server.store.ListParams;
import dev.servicemanager.server.store.Page;
import dev.servicemanager.server.store.ResourceStore;
import dev.servicemanager.server.store.ResourceType;
import dev.servicemanager.server.store.Sql;
import dev.servicemanager.spi.ApiException;
import io.micronaut.http.HttpStatus;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import java.net.URI;
import java.sql.Connection;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Broker registration, catalog refresh and removal. The broker is called before the transaction
 * opens (a slow broker must not hold a database connection), and everything it answered is stored
 * in one transaction, so a failed call or an invalid catalog stores nothing.
 */
@Singleton
public class BrokerService {
  static final String PATH = "/v1/service_brokers";
  static final ResourceType<ServiceBroker> TYPE =
      new ResourceType<>(
          "service broker",
          PATH,
          "service_brokers",
          "service_broker_labels",
          ResourceType.fields(
              ResourceType.field("ready", FieldType.BOOLEAN, false),
              field("name", FieldType.STRING, false),
              field("description", FieldType.STRING, true),
              field("broker_url", FieldType.STRING, false)),
          rs ->
              new ServiceBroker(
                  rs.getString("id"),
                  rs.getString("name"),
                  rs.getString("description"),
                  rs.getString("broker_url"),
                  Map.of(),
                  rs.getBoolean("ready"),
                  Sql.instant(rs, "created_at"),
                  Sql.instant(rs, "updated_at")),
          ServiceBroker::withLabels);

  private final Sql sql;
  private final ResourceStore store;
  private final Labels labels;
  private final ChangeLog changes;
  private final Encryptor encryptor;
  private final OsbClient osb;
  private final CatalogParser parser;
  private final CatalogStore catalogs;
  private final Json json;
  private final TransactionOperations<Connection> tx;

  BrokerService(
      Sql sql,
      ResourceStore store,
      Labels labels,
      ChangeLog changes,
      Encryptor encryptor,
      OsbClient osb,
      CatalogParser parser,
      CatalogStore catalogs,
      Json json,
      TransactionOperations<Connection> tx) {
    this.sql = sql;
    this.store = store;
    this.labels = labels;
    this.changes = changes;
    this.encryptor = encryptor;
    this.osb = osb;
    this.parser = parser;
    this.catalogs = catalogs;
    this.json = json;
    this.tx = tx;
  }

  public ServiceBroker create(BrokerRequests.Create request) {
    labels.validate(request.labels());
    BrokerRequests.Basic basic = basicCredentials(request.credentials());
    validateUrl(request.broker_url());
    String id = Ids.orNew(request.id());
    Catalog catalog =
        fetch(new BrokerEndpoint(request.name(), request.broker_url(), basic.username(), basic.password()));
    return tx.executeWrite(
        status -> {
          Instant now = PlatformService.now();
          sql.update(
              "INSERT INTO service_brokers (id, name, description, broker_url, username,"
                  + " password_encrypted, catalog, created_at, updated_at)"
                  + " VALUES (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?)",
              id,
              request.name(),
              request.description(),
              request.broker_url(),
              basic.username(),
              encryptor.encrypt(basic.password(), passwordContext(id)),
              json.write(catalog.raw()),
              now,
              now);
          catalogs.sync(id, catalog, now);
          store.insertLabels(TYPE, id, request.labels());
          ServiceBroker created = store.get(TYPE, id, SqlFragment.TRUE);
          changes.record(PATH, id, ChangeType.CREATED, null, new Snapshot(created, catalog.redacted()), null, null);
          return created;
        });
  }

  /**
   * The catalog is fetched outside any transaction, so another PATCH or refresh of the same broker
   * may commit meanwhile. The write then goes ahead only if the broker row is still the version
   * read before the fetch (PostgreSQL's {@code xmin}); otherwise the request is applied again on
   * top of the newer row, with a fresh fetch. That keeps both changes, and the catalog committed
   * last is always one fetched after the previous commit, never an older one.
   */
  public ServiceBroker patch(String id, BrokerRequests.Patch request) {
    labels.validateChanges(request.labels());
    if (request.broker_url() != null) {
      validateUrl(request.broker_url());
    }
    BrokerRequests.Basic basic = request.credentials() == null ? null : basicCredentials(request.credentials());
    for (int attempt = 1; ; attempt++) {
      Versioned current = tx.executeRead(status -> new Versioned(endpoint(id), version(id)));
      BrokerEndpoint target =
          new BrokerEndpoint(
              request.name() == null ? current.endpoint().name() : request.name(),
              request.broker_url() == null ? current.endpoint().url() : request.broker_url(),
              basic == null ? current.endpoint().username() : basic.username(),
              basic == null ? current.endpoint().password() : basic.password());
      // Even an empty PATCH refreshes the catalog (reference 2.10).
      Catalog catalog = fetch(target);
      Optional<ServiceBroker> written =
          tx.executeWrite(status -> write(id, request, current.version(), target, catalog));
      if (written.isPresent()) {
        return written.get();
      }
      if (attempt == MAX_PATCH_ATTEMPTS) {
        throw new ApiException(
            HttpStatus.CONFLICT,
            "ConcurrentResourceUpdate",
            "the service broker kept changing while its catalog was fetched; retry the request");
      }
    }
  }

  private static final int MAX_PATCH_ATTEMPTS = 3;

  private record Versioned(BrokerEndpoint endpoint, String version) {}

  // xmin changes with every committed update of the row.
  private String version(String id) {
    return sql.queryOne("SELECT xmin::text FROM service_brokers WHERE id = ?", List.of(id), rs -> rs.getString(1))
        .orElseThrow(() -> ApiException.notFound(TYPE.notFoundMessage()));
  }

  private Optional<ServiceBroker> write(
      String id, BrokerRequests.Patch request, String readVersion, BrokerEndpoint target, Catalog catalog) {
    ServiceBroker old = store.getForUpdate(TYPE, id, SqlFragment.TRUE);
    if (!version(id).equals(readVersion)) {
      return Optional.empty();
    }
    Object oldCatalog = storedCatalog(id);
    Instant now = PlatformService.now();
    sql.update(
        "UPDATE service_brokers SET name = ?, description = COALESCE(?, description),"
            + " broker_url = ?, username = ?, password_encrypted = ?, catalog = ?::jsonb,"
            + " updated_at = ? WHERE id = ?",
        target.name(),
        request.description(),
        target.url(),
        target.username(),
        encryptor.encrypt(target.password(), passwordContext(id)),
        json.write(catalog.raw()),
        now,
        id);
    catalogs.sync(id, catalog, now);
    store.changeLabels(TYPE, id, request.labels());
    ServiceBroker updated = store.get(TYPE, id, SqlFragment.TRUE);
    changes.record(
        PATH, id, ChangeType.MODIFIED, null,
        new Snapshot(updated, catalog.redacted()), new Snapshot(old, Catalog.redact(oldCatalog)), request.labels());
    return Optional.of(updated);
  }

  public Page<ServiceBroker> list(ListParams params, Optional<String> caller) {
    return tx.executeRead(status -> store.list(TYPE, params, Scopes.brokers(caller)));
  }

  public ServiceBroker get(String id, Optional<String> caller) {
    return tx.executeRead(status -> store.get(TYPE, id, Scopes.brokers(caller)));
  }

  public void delete(String id) {
    tx.executeWrite(
        status -> {
          remove(store.getForUpdate(TYPE, id, SqlFragment.TRUE));
          return null;
        });
  }

  public int deleteMatching(ListParams params) {
    return tx.executeWrite(
        status -> {
          List<ServiceBroker> doomed = store.lockMatching(TYPE, params, SqlFragment.TRUE);
          doomed.forEach(this::remove);
          return doomed.size();
        });
  }

  /** The stored endpoint with the decrypted password, for calling the broker. */
  public BrokerEndpoint endpoint(String id) {
    return sql.queryOne(
            "SELECT name, broker_url, username, password_encrypted FROM service_brokers WHERE id = ?",
            List.of(id),
            rs ->
                new BrokerEndpoint(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    encryptor.decrypt(rs.getString(4), passwordContext(id))))
        .orElseThrow(() -> ApiException.notFound(TYPE.notFoundMessage()));
  }

  private void remove(ServiceBroker old) {
    Object catalog = storedCatalog(old.id());
    // Offerings, plans and visibilities go with it (ON DELETE CASCADE).
    store.delete(TYPE, old.id());
    changes.record(PATH, old.id(), ChangeType.DELETED, null, null, new Snapshot(old, Catalog.redact(catalog)), null);
  }

  private Object storedCatalog(String id) {
    return json.readAny(
        sql.queryOne("SELECT catalog::text FROM service_brokers WHERE id = ?", List.of(id), rs -> rs.getString(1))
            .orElse(null));
  }

  private Catalog fetch(BrokerEndpoint endpoint) {
    return parser.parse(endpoint.name(), osb.fetchCatalog(endpoint));
  }

  private static String passwordContext(String brokerId) {
    return "service_brokers/" + brokerId;
  }

  private static BrokerRequests.Basic basicCredentials(BrokerRequests.Credentials credentials) {
    if (credentials.tls() != null) {
      throw ApiException.badRequest("TLS client certificates for brokers are not supported yet; use basic credentials");
    }
    if (credentials.basic() == null) {
      throw ApiException.badRequest("credentials.basic with username and password is required");
    }
    return credentials.basic();
  }

  private static void validateUrl(String url) {
    URI uri;
    try {
      uri = URI.create(url);
    } catch (IllegalArgumentException e) {
      throw ApiException.badRequest("broker_url is not a valid URL");
    }
    String scheme = uri.getScheme();
    if (scheme == null || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      throw ApiException.badRequest("broker_url must be an absolute http or https URL");
    }
    if (uri.getUserInfo() != null || uri.getQuery() != null || uri.getFragment() != null) {
      throw ApiException.badRequest(
          "broker_url must not contain credentials, a query or a fragment; put credentials in 'credentials'");
    }
  }
}
