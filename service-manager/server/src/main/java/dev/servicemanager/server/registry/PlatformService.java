package dev.servicemanager.server.registry;

import static dev.servicemanager.server.store.ResourceType.field;

import dev.servicemanager.server.crypto.Encryptor;
import dev.servicemanager.server.crypto.LocalSecrets;
import dev.servicemanager.server.events.ChangeLog;
import dev.servicemanager.server.events.RegistryVersion;
import dev.servicemanager.server.events.ChangeLog.ChangeType;
import dev.servicemanager.server.events.ChangeLog.Snapshot;
import dev.servicemanager.server.query.FieldType;
import dev.servicemanager.server.query.SqlFragment;
import dev.servicemanager.server.store.Labels;
import dev.servicemanager.server.store.ListParams;
import dev.servicemanager.server.store.Page;
import dev.servicemanager.server.store.ResourceStore;
import dev.servicemanager.server.store.ResourceType;
import dev.servicemanager.server.store.Sql;
import dev.servicemanager.spi.ApiException;
import jakarta.inject.Singleton;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Platforms: registration with generated credentials, rotation, and platform authentication. */
@Singleton
public class PlatformService {
  static final String PATH = "/v1/platforms";
  static final ResourceType<Platform> TYPE =
      new ResourceType<>(
          "platform",
          PATH,
          "platforms",
          "platform_labels",
          ResourceType.fields(
              ResourceType.field("ready", FieldType.BOOLEAN, false),
              field("name", FieldType.STRING, false),
              field("type", FieldType.STRING, false),
              field("description", FieldType.STRING, true),
              field("suspended", FieldType.BOOLEAN, false),
              field("active", FieldType.BOOLEAN, false)),
          rs ->
              new Platform(
                  rs.getString("id"),
                  rs.getString("name"),
                  rs.getString("type"),
                  rs.getString("description"),
                  rs.getBoolean("suspended"),
                  rs.getBoolean("active"),
                  Sql.instant(rs, "last_active"),
                  null,
                  Map.of(),
                  rs.getBoolean("ready"),
                  Sql.instant(rs, "created_at"),
                  Sql.instant(rs, "updated_at")),
          Platform::withLabels);

  private final Sql sql;
  private final ResourceStore store;
  private final Labels labels;
  private final ChangeLog changes;
  private final RegistryVersion registryVersion;

  PlatformService(Sql sql, ResourceStore store, Labels labels, ChangeLog changes, RegistryVersion registryVersion) {
    this.sql = sql;
    this.store = store;
    this.labels = labels;
    this.changes = changes;
    this.registryVersion = registryVersion;
  }

  @Transactional
  public Platform create(PlatformRequests.Create request) {
    labels.validate(request.labels());
    if (Platform.SM_PLATFORM_ID.equals(request.type())) {
      throw ApiException.badRequest("platform type 'service-manager' is reserved for the built-in platform");
    }
    String id = Ids.orNew(request.id());
    Instant now = now();
    Platform.Credentials.Basic basic = newCredentials();
    sql.update(
        "INSERT INTO platforms (id, name, type, description, suspended, username, password_hash,"
            + " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        id,
        request.name(),
        request.type(),
        request.description(),
        Boolean.TRUE.equals(request.suspended()),
        basic.username(),
        Encryptor.sha256(basic.password()),
        now,
        now);
    store.insertLabels(TYPE, id, request.labels());
    Platform created = store.get(TYPE, id, SqlFragment.TRUE);
    changes.record(PATH, id, ChangeType.CREATED, id, new Snapshot(created, null), null, null);
    return created.withCredentials(new Platform.Credentials(basic));
  }

  @Transactional
  public Page<Platform> list(ListParams params, Optional<String> caller) {
    return store.list(TYPE, params, Scopes.platforms(caller));
  }

  @Transactional
  public Platform get(String id, Optional<String> caller) {
    return store.get(TYPE, id, Scopes.platforms(caller));
  }

  @Transactional
  public Platform patch(String id, PlatformRequests.Patch request, boolean regenerateCredentials) {
    labels.validateChanges(request.labels());
    refuseBuiltIn(id);
    Platform old = store.getForUpdate(TYPE, id, SqlFragment.TRUE);
    if (Platform.SM_PLATFORM_ID.equals(request.type())) {
      throw ApiException.badRequest("platform type 'service-manager' is reserved for the built-in platform");
    }
    sql.update(
        "UPDATE platforms SET name = COALESCE(?, name), type = COALESCE(?, type),"
            + " description = COALESCE(?, description), suspended = COALESCE(?, suspended),"
            + " updated_at = ? WHERE id = ?",
        request.name(),
        request.type(),
        request.description(),
        request.suspended(),
        now(),
        id);
    store.changeLabels(TYPE, id, request.labels());
    Platform.Credentials.Basic basic = null;
    if (regenerateCredentials) {
      basic = newCredentials();
      // While the current pair is in use by an agent, it stays valid until the new pair is used
      // (zero-downtime rotation, reference 2.9); an unused pair is simply replaced.
      sql.update(
          "UPDATE platforms SET"
              + " old_username = CASE WHEN credentials_active THEN username END,"
              + " old_password_hash = CASE WHEN credentials_active THEN password_hash END,"
              + " username = ?, password_hash = ?, credentials_active = false WHERE id = ?",
          basic.username(),
          Encryptor.sha256(basic.password()),
          id);
    }
    Platform updated = store.get(TYPE, id, SqlFragment.TRUE);
    changes.record(
        PATH, id, ChangeType.MODIFIED, id, new Snapshot(updated, null), new Snapshot(old, null), request.labels());
    return basic == null ? updated : updated.withCredentials(new Platform.Credentials(basic));
  }

  @Transactional
  public void delete(String id) {
    refuseBuiltIn(id);
    Platform old = store.getForUpdate(TYPE, id, SqlFragment.TRUE);
    store.delete(TYPE, id);
    changes.record(PATH, id, ChangeType.DELETED, id, null, new Snapshot(old, null), null);
  }

  /** Deletes every platform matching the queries, except the built-in one. */
  @Transactional
  public int deleteMatching(ListParams params) {
    SqlFragment notBuiltIn = new SqlFragment("t.id <> ?", List.of(Platform.SM_PLATFORM_ID));
    List<Platform> doomed = store.lockMatching(TYPE, params, notBuiltIn);
    for (Platform old : doomed) {
      store.delete(TYPE, old.id());
      changes.record(PATH, old.id(), ChangeType.DELETED, old.id(), null, new Snapshot(old, null), null);
    }
    return doomed.size();
  }

  /**
   * Checks platform basic credentials. Using the current pair completes a rotation: the pair
   * becomes active and the old one stops working.
   */
  @Transactional
  public Optional<PlatformIdentity> authenticate(String username, String password) {
    if (username == null || password == null || username.isEmpty()) {
      return Optional.empty();
    }
    record Row(PlatformIdentity identity, String username, String hash, String oldUsername, String oldHash, boolean active) {}
    Optional<Row> row =
        sql.queryOne(
            "SELECT id, name, type, suspended, username, password_hash, old_username, old_password_hash, credentials_active"
                + " FROM platforms WHERE username = ? OR old_username = ?",
            List.of(username, username),
            rs -> new Row(new PlatformIdentity(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4)),
                rs.getString(5), rs.getString(6), rs.getString(7), rs.getString(8), rs.getBoolean(9)));
    if (row.isEmpty()) {
      // Spend the same time as a real check, so response times do not reveal usernames.
      Encryptor.matchesHash(password, "0".repeat(64));
      return Optional.empty();
    }
    Row r = row.get();
    if (username.equals(r.username()) && Encryptor.matchesHash(password, r.hash())) {
      if (!r.active() || r.oldUsername() != null) {
        // The old pair stops working now: cached authentications of it must go.
        registryVersion.changed();
        sql.update(
            "UPDATE platforms SET credentials_active = true, old_username = NULL,"
                + " old_password_hash = NULL WHERE id = ?",
            r.identity().id());
      }
      return Optional.of(r.identity());
    }
    if (username.equals(r.oldUsername()) && Encryptor.matchesHash(password, r.oldHash())) {
      return Optional.of(r.identity());
    }
    return Optional.empty();
  }

  /** Whether the platform's agent is connected to notifications, and when its last connection ended. */
  public Optional<dev.servicemanager.spi.platforms.PlatformActivity> activity(String id) {
    return sql.queryOne(
        "SELECT active, last_active FROM platforms WHERE id = ?",
        List.of(id),
        rs -> new dev.servicemanager.spi.platforms.PlatformActivity(rs.getBoolean(1),
            rs.getTimestamp(2) == null ? null : rs.getTimestamp(2).toInstant()));
  }

  /** What authentication tells about a platform, for a platform known by id. */
  public Optional<PlatformIdentity> identity(String id) {
    return sql.queryOne(
        "SELECT id, name, type, suspended FROM platforms WHERE id = ?",
        List.of(id),
        rs -> new PlatformIdentity(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4)));
  }


  private static void refuseBuiltIn(String id) {
    if (Platform.SM_PLATFORM_ID.equals(id)) {
      throw ApiException.badRequest("the built-in service-manager platform cannot be changed or deleted");
    }
  }

  private static Platform.Credentials.Basic newCredentials() {
    return new Platform.Credentials.Basic(LocalSecrets.randomToken(), LocalSecrets.randomToken());
  }

  static Instant now() {
    return Instant.now().truncatedTo(ChronoUnit.MICROS);
  }
}
