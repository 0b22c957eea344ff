-- The OSB endpoint serves authentication, broker endpoints, plan look-ups, visibility checks and
-- catalogs from memory (RegistryVersion). Every server must hear when the rows those come from
-- change, including changes that are not in the change log (credentials). One NOTIFY per statement
-- on channel sm_registry, delivered after commit; the payload is unused.
CREATE FUNCTION sm_notify_registry() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('sm_registry', TG_TABLE_NAME);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

-- Only the columns authentication and the OSB checks read: agents' heartbeats (active,
-- last_active, version) must not empty the caches.
CREATE TRIGGER platforms_registry_signal
    AFTER UPDATE OF name, type, suspended, username, password_hash, old_username, old_password_hash, credentials_active
    ON platforms FOR EACH STATEMENT EXECUTE FUNCTION sm_notify_registry();
CREATE TRIGGER platforms_registry_signal_delete
    AFTER DELETE ON platforms FOR EACH STATEMENT EXECUTE FUNCTION sm_notify_registry();

CREATE TRIGGER broker_platform_credentials_registry_signal
    AFTER INSERT OR UPDATE OR DELETE ON broker_platform_credentials FOR EACH STATEMENT EXECUTE FUNCTION sm_notify_registry();
CREATE TRIGGER service_brokers_registry_signal
    AFTER UPDATE OR DELETE ON service_brokers FOR EACH STATEMENT EXECUTE FUNCTION sm_notify_registry();
CREATE TRIGGER service_offerings_registry_signal
    AFTER INSERT OR UPDATE OR DELETE ON service_offerings FOR EACH STATEMENT EXECUTE FUNCTION sm_notify_registry();
CREATE TRIGGER service_plans_registry_signal
    AFTER INSERT OR UPDATE OR DELETE ON service_plans FOR EACH STATEMENT EXECUTE FUNCTION sm_notify_registry();
CREATE TRIGGER visibilities_registry_signal
    AFTER INSERT OR UPDATE OR DELETE ON visibilities FOR EACH STATEMENT EXECUTE FUNCTION sm_notify_registry();
CREATE TRIGGER visibility_labels_registry_signal
    AFTER INSERT OR UPDATE OR DELETE ON visibility_labels FOR EACH STATEMENT EXECUTE FUNCTION sm_notify_registry();
