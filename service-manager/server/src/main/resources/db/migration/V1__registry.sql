-- The registry: platforms, brokers, offerings, plans, visibilities, each with a labels table,
-- and the change log every write appends to in the same transaction.
-- paging_sequence is the stable, insertion-ordered cursor behind the opaque paging token.

CREATE TABLE platforms (
    id                  varchar(100) PRIMARY KEY,
    paging_sequence     bigserial    NOT NULL UNIQUE,
    name                varchar(255) NOT NULL,
    type                varchar(255) NOT NULL,
    description         text,
    suspended           boolean      NOT NULL DEFAULT false,
    technical           boolean      NOT NULL DEFAULT false,
    -- Credentials: the username is an identifier, the password is kept only as a SHA-256 hash
    -- (it is 32 random bytes, so a fast hash is enough and a database dump reveals nothing).
    username            varchar(255) UNIQUE,
    password_hash       varchar(64),
    old_username        varchar(255) UNIQUE,
    old_password_hash   varchar(64),
    credentials_active  boolean      NOT NULL DEFAULT false,
    active              boolean      NOT NULL DEFAULT false,
    last_active         timestamptz,
    version             varchar(255),
    ready               boolean      NOT NULL DEFAULT true,
    created_at          timestamptz  NOT NULL,
    updated_at          timestamptz  NOT NULL,
    CONSTRAINT platforms_name_key UNIQUE (name)
);

CREATE TABLE service_brokers (
    id                  varchar(100) PRIMARY KEY,
    paging_sequence     bigserial    NOT NULL UNIQUE,
    name                varchar(255) NOT NULL,
    description         text,
    broker_url          varchar(2048) NOT NULL,
    username            varchar(255) NOT NULL,
    -- AES-256-GCM ciphertext, bound to the broker id.
    password_encrypted  text         NOT NULL,
    catalog             jsonb        NOT NULL,
    ready               boolean      NOT NULL DEFAULT true,
    created_at          timestamptz  NOT NULL,
    updated_at          timestamptz  NOT NULL,
    CONSTRAINT service_brokers_name_key UNIQUE (name)
);

CREATE TABLE service_offerings (
    id                    varchar(100) PRIMARY KEY,
    paging_sequence       bigserial    NOT NULL UNIQUE,
    broker_id             varchar(100) NOT NULL REFERENCES service_brokers (id) ON DELETE CASCADE,
    name                  varchar(255) NOT NULL,
    description           text         NOT NULL,
    bindable              boolean      NOT NULL,
    instances_retrievable boolean      NOT NULL DEFAULT false,
    bindings_retrievable  boolean      NOT NULL DEFAULT false,
    plan_updateable       boolean      NOT NULL DEFAULT false,
    allow_context_updates boolean      NOT NULL DEFAULT false,
    tags                  jsonb        NOT NULL DEFAULT '[]',
    requires              jsonb        NOT NULL DEFAULT '[]',
    metadata              jsonb        NOT NULL DEFAULT '{}',
    catalog_id            varchar(255) NOT NULL,
    catalog_name          varchar(255) NOT NULL,
    ready                 boolean      NOT NULL DEFAULT true,
    created_at            timestamptz  NOT NULL,
    updated_at            timestamptz  NOT NULL,
    CONSTRAINT service_offerings_broker_id_catalog_id_key UNIQUE (broker_id, catalog_id),
    CONSTRAINT service_offerings_broker_id_name_key UNIQUE (broker_id, name) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE service_plans (
    id                       varchar(100) PRIMARY KEY,
    paging_sequence          bigserial    NOT NULL UNIQUE,
    service_offering_id      varchar(100) NOT NULL REFERENCES service_offerings (id) ON DELETE CASCADE,
    name                     varchar(255) NOT NULL,
    description              text         NOT NULL,
    catalog_id               varchar(255) NOT NULL,
    catalog_name             varchar(255) NOT NULL,
    free                     boolean,
    bindable                 boolean,
    plan_updateable          boolean,
    metadata                 jsonb        NOT NULL DEFAULT '{}',
    schemas                  jsonb,
    maximum_polling_duration integer,
    maintenance_info         jsonb,
    ready                    boolean      NOT NULL DEFAULT true,
    created_at               timestamptz  NOT NULL,
    updated_at               timestamptz  NOT NULL,
    CONSTRAINT service_plans_offering_id_catalog_id_key UNIQUE (service_offering_id, catalog_id),
    CONSTRAINT service_plans_offering_id_name_key UNIQUE (service_offering_id, name) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE visibilities (
    id               varchar(100) PRIMARY KEY,
    paging_sequence  bigserial    NOT NULL UNIQUE,
    platform_id      varchar(100) REFERENCES platforms (id) ON DELETE CASCADE,
    service_plan_id  varchar(100) NOT NULL REFERENCES service_plans (id) ON DELETE CASCADE,
    ready            boolean      NOT NULL DEFAULT true,
    created_at       timestamptz  NOT NULL,
    updated_at       timestamptz  NOT NULL,
    CONSTRAINT visibilities_platform_id_service_plan_id_key UNIQUE (platform_id, service_plan_id)
);
-- One public visibility per plan (NULLs are distinct in the UNIQUE above).
CREATE UNIQUE INDEX visibilities_public_plan_key ON visibilities (service_plan_id) WHERE platform_id IS NULL;
CREATE INDEX visibilities_service_plan_id_idx ON visibilities (service_plan_id);

CREATE INDEX service_offerings_broker_id_idx ON service_offerings (broker_id);
CREATE INDEX service_plans_service_offering_id_idx ON service_plans (service_offering_id);

-- Labels: one table per resource, (key, value) unique per resource.
CREATE TABLE platform_labels (
    resource_id varchar(100) NOT NULL REFERENCES platforms (id) ON DELETE CASCADE,
    key         varchar(255) NOT NULL,
    value       varchar(255) NOT NULL,
    PRIMARY KEY (resource_id, key, value)
);
CREATE TABLE service_broker_labels (
    resource_id varchar(100) NOT NULL REFERENCES service_brokers (id) ON DELETE CASCADE,
    key         varchar(255) NOT NULL,
    value       varchar(255) NOT NULL,
    PRIMARY KEY (resource_id, key, value)
);
CREATE TABLE service_offering_labels (
    resource_id varchar(100) NOT NULL REFERENCES service_offerings (id) ON DELETE CASCADE,
    key         varchar(255) NOT NULL,
    value       varchar(255) NOT NULL,
    PRIMARY KEY (resource_id, key, value)
);
CREATE TABLE service_plan_labels (
    resource_id varchar(100) NOT NULL REFERENCES service_plans (id) ON DELETE CASCADE,
    key         varchar(255) NOT NULL,
    value       varchar(255) NOT NULL,
    PRIMARY KEY (resource_id, key, value)
);
CREATE TABLE visibility_labels (
    resource_id varchar(100) NOT NULL REFERENCES visibilities (id) ON DELETE CASCADE,
    key         varchar(255) NOT NULL,
    value       varchar(255) NOT NULL,
    PRIMARY KEY (resource_id, key, value)
);
-- Label queries look up (key, value) first.
CREATE INDEX platform_labels_key_value_idx ON platform_labels (key, value, resource_id);
CREATE INDEX service_broker_labels_key_value_idx ON service_broker_labels (key, value, resource_id);
CREATE INDEX service_offering_labels_key_value_idx ON service_offering_labels (key, value, resource_id);
CREATE INDEX service_plan_labels_key_value_idx ON service_plan_labels (key, value, resource_id);
CREATE INDEX visibility_labels_key_value_idx ON visibility_labels (key, value, resource_id);

-- The change log (transactional outbox): the base of notifications and the Kafka relay.
CREATE TABLE changes (
    revision        bigserial    PRIMARY KEY,
    resource_type   varchar(100) NOT NULL,
    resource_id     varchar(100) NOT NULL,
    change_type     varchar(20)  NOT NULL CHECK (change_type IN ('CREATED', 'MODIFIED', 'DELETED')),
    platform_id     varchar(100),
    payload         jsonb        NOT NULL,
    created_at      timestamptz  NOT NULL DEFAULT now()
);
CREATE INDEX changes_created_at_idx ON changes (created_at);

-- The built-in token issuer's signing key, shared by every replica (private part encrypted).
CREATE TABLE signing_keys (
    id                     varchar(100) PRIMARY KEY,
    public_jwk             text        NOT NULL,
    private_key_encrypted  text        NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT now()
);

-- The Service Manager itself is a platform: instances created through the REST API belong to it.
INSERT INTO platforms (id, name, type, description, created_at, updated_at)
VALUES ('service-manager', 'service-manager', 'service-manager',
        'The Service Manager itself (instances created through its REST API)', now(), now());
