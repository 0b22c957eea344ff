-- The Compass adapter's own tables (prefix compass_, history table compass_schema_history).
-- Every object carries its tenant; every read filters on it, so tenants never see each other.

CREATE TABLE compass_applications (
    id                varchar(36)  PRIMARY KEY,
    tenant            varchar(255) NOT NULL,
    name              varchar(36)  NOT NULL,
    description       text,
    provider_name     varchar(256),
    base_url          varchar(256),
    health_check_url  varchar(256),
    status_condition  varchar(32)  NOT NULL,
    status_timestamp  timestamptz  NOT NULL,
    created_at        timestamptz  NOT NULL,
    updated_at        timestamptz  NOT NULL,
    paging_sequence   bigserial    NOT NULL,
    UNIQUE (tenant, name)
);

CREATE TABLE compass_runtimes (
    id                varchar(36)  PRIMARY KEY,
    tenant            varchar(255) NOT NULL,
    name              varchar(36)  NOT NULL,
    description       text,
    status_condition  varchar(32)  NOT NULL,
    status_timestamp  timestamptz  NOT NULL,
    platform_id       varchar(100) NOT NULL,
    created_at        timestamptz  NOT NULL,
    paging_sequence   bigserial    NOT NULL,
    UNIQUE (tenant, name)
);

-- Labels of applications and runtimes; deleted with their object by the adapter.
CREATE TABLE compass_labels (
    tenant       varchar(255) NOT NULL,
    object_type  varchar(16)  NOT NULL,
    object_id    varchar(36)  NOT NULL,
    key          varchar(256) NOT NULL,
    value        jsonb        NOT NULL,
    PRIMARY KEY (object_type, object_id, key)
);
CREATE INDEX compass_labels_tenant_key ON compass_labels (tenant, object_type, key);

CREATE TABLE compass_label_definitions (
    tenant  varchar(255) NOT NULL,
    key     varchar(256) NOT NULL,
    schema  jsonb,
    PRIMARY KEY (tenant, key)
);

CREATE TABLE compass_bundles (
    id                                  varchar(36)  PRIMARY KEY,
    application_id                      varchar(36)  NOT NULL REFERENCES compass_applications (id) ON DELETE CASCADE,
    name                                varchar(100) NOT NULL,
    description                         text,
    instance_auth_request_input_schema  jsonb,
    default_instance_auth               jsonb,
    position                            bigserial    NOT NULL
);
CREATE INDEX compass_bundles_application ON compass_bundles (application_id);

CREATE TABLE compass_api_definitions (
    id           varchar(36)  PRIMARY KEY,
    bundle_id    varchar(36)  NOT NULL REFERENCES compass_bundles (id) ON DELETE CASCADE,
    name         varchar(100) NOT NULL,
    description  text,
    target_url   varchar(256) NOT NULL,
    api_group    varchar(36),
    spec_type    varchar(16),
    spec_format  varchar(16),
    spec_data    text,
    version      jsonb,
    position     bigserial    NOT NULL
);
CREATE INDEX compass_api_definitions_bundle ON compass_api_definitions (bundle_id);

CREATE TABLE compass_event_definitions (
    id           varchar(36)  PRIMARY KEY,
    bundle_id    varchar(36)  NOT NULL REFERENCES compass_bundles (id) ON DELETE CASCADE,
    name         varchar(100) NOT NULL,
    description  text,
    event_group  varchar(36),
    spec_type    varchar(16),
    spec_format  varchar(16),
    spec_data    text,
    version      jsonb,
    position     bigserial    NOT NULL
);
CREATE INDEX compass_event_definitions_bundle ON compass_event_definitions (bundle_id);

-- One-time tokens: only the SHA-256 of the token is kept.
CREATE TABLE compass_one_time_tokens (
    token_hash   varchar(64)  PRIMARY KEY,
    tenant       varchar(255) NOT NULL,
    object_type  varchar(16)  NOT NULL,
    object_id    varchar(36)  NOT NULL,
    created_at   timestamptz  NOT NULL,
    expires_at   timestamptz  NOT NULL,
    used_at      timestamptz
);
CREATE INDEX compass_one_time_tokens_object ON compass_one_time_tokens (object_type, object_id);

-- The Connector's certificate authority: one row, generated on first use. The private key is
-- AES-GCM encrypted when an encryption key is configured.
CREATE TABLE compass_ca (
    id               integer     PRIMARY KEY CHECK (id = 1),
    certificate_pem  text        NOT NULL,
    private_key      text        NOT NULL,
    key_encrypted    boolean     NOT NULL,
    created_at       timestamptz NOT NULL
);
