-- The Runtime Provisioner: what was provisioned where, and its durable operations.

-- When the runtime's agent last got its platform credentials from the Connector (the pairing signal).
ALTER TABLE compass_runtimes ADD COLUMN paired_at timestamptz;

-- One row per provisioned runtime; kept after deprovisioning (state DEPROVISIONED) so operations stay readable.
CREATE TABLE compass_provisioned_runtimes (
    runtime_id        varchar(36)  PRIMARY KEY,
    tenant            varchar(255) NOT NULL,
    name              varchar(36)  NOT NULL,
    provider          varchar(64)  NOT NULL,
    namespace         varchar(63)  NOT NULL,
    target_secret     text         NOT NULL,   -- the kubeconfig, AES-256-GCM (iv || ciphertext), base64
    agent_image       varchar(512),
    configuration     jsonb        NOT NULL,
    platform_id       varchar(100) NOT NULL,
    sm_url            varchar(512) NOT NULL,   -- what the agent is told, from the provisionRuntime request
    connector_url     varchar(512) NOT NULL,
    state             varchar(32)  NOT NULL,   -- PROVISIONED | DEPROVISIONED
    created_at        timestamptz  NOT NULL,
    updated_at        timestamptz  NOT NULL
);

CREATE TABLE compass_provisioning_operations (
    id                varchar(36)  PRIMARY KEY,
    tenant            varchar(255) NOT NULL,
    runtime_id        varchar(36)  NOT NULL REFERENCES compass_provisioned_runtimes (runtime_id),
    type              varchar(16)  NOT NULL,   -- PROVISION | UPGRADE | DEPROVISION
    state             varchar(16)  NOT NULL,   -- PENDING | IN_PROGRESS | SUCCEEDED | FAILED
    step              varchar(32)  NOT NULL,
    message           text,
    last_error        text,
    failures          integer      NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz  NOT NULL,
    lease_until       timestamptz,
    created_at        timestamptz  NOT NULL,
    updated_at        timestamptz  NOT NULL,
    finished_at       timestamptz
);
CREATE INDEX compass_provisioning_operations_due ON compass_provisioning_operations (next_attempt_at)
    WHERE state IN ('PENDING', 'IN_PROGRESS');
CREATE INDEX compass_provisioning_operations_runtime ON compass_provisioning_operations (runtime_id, created_at);
