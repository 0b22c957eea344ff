-- Service instances and bindings (created through the REST API or tracked from the OSB endpoint),
-- and the durable operations every asynchronous action runs as.

CREATE TABLE service_instances (
    id                      varchar(100) COLLATE "C" PRIMARY KEY,
    paging_sequence         bigserial    NOT NULL UNIQUE,
    name                    varchar(255) NOT NULL,
    -- RESTRICT: a catalog refresh cannot delete a plan that instances still use (409).
    service_plan_id         varchar(100) COLLATE "C" NOT NULL REFERENCES service_plans (id) ON DELETE RESTRICT,
    platform_id             varchar(100) COLLATE "C" NOT NULL REFERENCES platforms (id) ON DELETE RESTRICT,
    context                 jsonb        NOT NULL DEFAULT '{}',
    dashboard_url           varchar(2048),
    maintenance_info        jsonb,
    usable                  boolean      NOT NULL DEFAULT true,
    shared                  boolean      NOT NULL DEFAULT false,
    referenced_instance_id  varchar(100) COLLATE "C" REFERENCES service_instances (id) ON DELETE RESTRICT,
    -- Values before an update, restored when the broker reports the update failed.
    previous_values         jsonb,
    ready                   boolean      NOT NULL DEFAULT false,
    created_at              timestamptz  NOT NULL,
    updated_at              timestamptz  NOT NULL
);
-- Names are unique among the instances the Service Manager itself owns (as a platform).
CREATE UNIQUE INDEX service_instances_sm_name_key ON service_instances (name) WHERE platform_id = 'service-manager';
CREATE INDEX service_instances_service_plan_id_idx ON service_instances (service_plan_id);
CREATE INDEX service_instances_platform_id_idx ON service_instances (platform_id);
CREATE INDEX service_instances_referenced_instance_id_idx ON service_instances (referenced_instance_id);

CREATE TABLE service_instance_labels (
    resource_id varchar(100) COLLATE "C" NOT NULL REFERENCES service_instances (id) ON DELETE CASCADE,
    key         varchar(255) COLLATE "C" NOT NULL,
    value       varchar(255) COLLATE "C" NOT NULL,
    PRIMARY KEY (resource_id, key, value)
);
CREATE INDEX service_instance_labels_key_value_idx ON service_instance_labels (key, value, resource_id);

CREATE TABLE service_bindings (
    id                      varchar(100) COLLATE "C" PRIMARY KEY,
    paging_sequence         bigserial    NOT NULL UNIQUE,
    name                    varchar(255) NOT NULL,
    service_instance_id     varchar(100) COLLATE "C" NOT NULL REFERENCES service_instances (id) ON DELETE RESTRICT,
    -- AES-256-GCM ciphertext of the broker's credentials object, bound to the binding id.
    credentials_encrypted   text,
    context                 jsonb        NOT NULL DEFAULT '{}',
    syslog_drain_url        varchar(2048),
    route_service_url       varchar(2048),
    volume_mounts           jsonb,
    endpoints               jsonb,
    bind_resource           jsonb,
    ready                   boolean      NOT NULL DEFAULT false,
    created_at              timestamptz  NOT NULL,
    updated_at              timestamptz  NOT NULL,
    CONSTRAINT service_bindings_instance_name_key UNIQUE (service_instance_id, name)
);

CREATE TABLE service_binding_labels (
    resource_id varchar(100) COLLATE "C" NOT NULL REFERENCES service_bindings (id) ON DELETE CASCADE,
    key         varchar(255) COLLATE "C" NOT NULL,
    value       varchar(255) COLLATE "C" NOT NULL,
    PRIMARY KEY (resource_id, key, value)
);
CREATE INDEX service_binding_labels_key_value_idx ON service_binding_labels (key, value, resource_id);

CREATE TABLE operations (
    id                  varchar(100) COLLATE "C" PRIMARY KEY,
    paging_sequence     bigserial    NOT NULL UNIQUE,
    type                varchar(20)  NOT NULL CHECK (type IN ('create', 'update', 'delete')),
    state               varchar(20)  NOT NULL CHECK (state IN ('in progress', 'succeeded', 'failed')),
    resource_id         varchar(100) COLLATE "C" NOT NULL,
    resource_type       varchar(100) NOT NULL,
    platform_id         varchar(100) COLLATE "C",
    correlation_id      varchar(255),
    description         text,
    errors              jsonb,
    -- The engine's bookkeeping (hidden from the API).
    external_id         text,                       -- the broker's OSB "operation" string
    step                varchar(40)  NOT NULL,      -- what the next attempt does (call, poll, mitigate, ...)
    context             jsonb        NOT NULL DEFAULT '{}',
    next_attempt_at     timestamptz,
    attempts            integer      NOT NULL DEFAULT 0,
    poll_deadline       timestamptz,                -- plan's maximum_polling_duration
    give_up_at          timestamptz,                -- reconciliation timeout for retries
    deletion_scheduled  timestamptz,                -- orphan mitigation in progress since
    lease_owner         varchar(100),
    lease_until         timestamptz,
    created_at          timestamptz  NOT NULL,
    updated_at          timestamptz  NOT NULL
);
CREATE INDEX operations_resource_idx ON operations (resource_id, created_at DESC);
-- Workers look for due work (steps to run, including orphan mitigation after a failure).
CREATE INDEX operations_due_idx ON operations (next_attempt_at) WHERE next_attempt_at IS NOT NULL;
CREATE INDEX operations_updated_at_idx ON operations (updated_at) WHERE state <> 'in progress';
