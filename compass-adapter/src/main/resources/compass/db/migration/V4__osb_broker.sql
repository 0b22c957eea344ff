-- The in-process "compass" OSB broker: its basic credentials (only SHA-256s of the password) and
-- the service instances Service Manager provisioned (recorded only; an instance has no state in Compass).
CREATE TABLE compass_broker (
    id             integer      PRIMARY KEY CHECK (id = 1),
    username       varchar(64)  NOT NULL,
    password_hash  varchar(64),
    -- a new password being registered: accepted too, so the old one keeps working if registration fails
    pending_hash   varchar(64),
    updated_at     timestamptz  NOT NULL
);

CREATE TABLE compass_osb_instances (
    id              varchar(255) PRIMARY KEY,
    tenant          varchar(255) NOT NULL,
    service_id      varchar(36)  NOT NULL,
    plan_id         varchar(36)  NOT NULL,
    context         jsonb,
    parameters      jsonb,
    created_at      timestamptz  NOT NULL
);
