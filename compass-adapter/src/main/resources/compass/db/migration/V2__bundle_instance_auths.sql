-- Bundle instance auths: credentials requested for a bundle (an OSB binding maps to one).
-- auth holds the credentials as JSON (not encrypted yet, like compass_bundles.default_instance_auth).
CREATE TABLE compass_bundle_instance_auths (
    id                varchar(36)  PRIMARY KEY,
    tenant            varchar(255) NOT NULL,
    bundle_id         varchar(36)  NOT NULL REFERENCES compass_bundles (id) ON DELETE CASCADE,
    context           jsonb,
    input_params      jsonb,
    auth              jsonb,
    from_default      boolean      NOT NULL,
    status_condition  varchar(16)  NOT NULL,
    status_reason     varchar(64)  NOT NULL,
    status_message    text         NOT NULL,
    status_timestamp  timestamptz  NOT NULL,
    position          bigserial    NOT NULL
);
CREATE INDEX compass_bundle_instance_auths_bundle ON compass_bundle_instance_auths (bundle_id);
