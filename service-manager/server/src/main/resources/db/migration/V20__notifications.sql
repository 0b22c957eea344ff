-- Notifications (reference section 4) are read from the change log; every server LISTENs on
-- sm_changes and loads the committed rows by revision (NOTIFY is delivered only after commit).
ALTER TABLE changes ADD COLUMN correlation_id varchar(255);
CREATE INDEX changes_platform_revision_idx ON changes (platform_id, revision);

CREATE FUNCTION changes_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('sm_changes', NEW.revision::text);
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER changes_notify_after_insert AFTER INSERT ON changes
    FOR EACH ROW EXECUTE FUNCTION changes_notify();

-- Broker-platform credentials (reference 1.11, 2.9): what a platform uses on /v1/osb/{broker_id}
-- for one broker. Passwords are kept as SHA-256 hashes, like platform passwords.
CREATE TABLE broker_platform_credentials (
    id                 varchar(100) PRIMARY KEY,
    platform_id        varchar(100) NOT NULL REFERENCES platforms (id) ON DELETE CASCADE,
    broker_id          varchar(100) NOT NULL REFERENCES service_brokers (id) ON DELETE CASCADE,
    username           varchar(255) NOT NULL,
    password_hash      varchar(64)  NOT NULL,
    old_username       varchar(255),
    old_password_hash  varchar(64),
    notification_id    varchar(100),
    active             boolean      NOT NULL DEFAULT false,
    created_at         timestamptz  NOT NULL,
    updated_at         timestamptz  NOT NULL,
    CONSTRAINT broker_platform_credentials_platform_id_broker_id_key UNIQUE (platform_id, broker_id),
    CONSTRAINT broker_platform_credentials_broker_id_username_key UNIQUE (broker_id, username)
);
