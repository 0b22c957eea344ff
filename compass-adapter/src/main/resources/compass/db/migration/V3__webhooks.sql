-- Webhooks of applications and runtimes (exactly one owner), deleted with their owner.
CREATE TABLE compass_webhooks (
    id              varchar(36)  PRIMARY KEY,
    tenant          varchar(255) NOT NULL,
    application_id  varchar(36)  REFERENCES compass_applications (id) ON DELETE CASCADE,
    runtime_id      varchar(36)  REFERENCES compass_runtimes (id) ON DELETE CASCADE,
    type            varchar(64)  NOT NULL,
    url             varchar(256) NOT NULL,
    created_at      timestamptz  NOT NULL,
    position        bigserial    NOT NULL,
    CHECK ((application_id IS NULL) <> (runtime_id IS NULL))
);
CREATE INDEX compass_webhooks_application ON compass_webhooks (application_id);
CREATE INDEX compass_webhooks_runtime ON compass_webhooks (runtime_id);

-- The outbox: one row per call to make, written in the transaction of the change that causes it and
-- delivered by a background loop (PENDING -> DELIVERED, or FAILED after the last attempt).
CREATE TABLE compass_webhook_deliveries (
    id                varchar(36)  PRIMARY KEY,
    webhook_id        varchar(36)  NOT NULL REFERENCES compass_webhooks (id) ON DELETE CASCADE,
    payload           jsonb        NOT NULL,
    status            varchar(16)  NOT NULL,
    attempts          integer      NOT NULL DEFAULT 0,
    next_attempt_at   timestamptz  NOT NULL,
    last_attempt_at   timestamptz,
    last_status_code  integer,
    last_error        text,
    delivered_at      timestamptz,
    created_at        timestamptz  NOT NULL,
    position          bigserial    NOT NULL
);
CREATE INDEX compass_webhook_deliveries_due ON compass_webhook_deliveries (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX compass_webhook_deliveries_webhook ON compass_webhook_deliveries (webhook_id, position);
CREATE INDEX compass_webhook_deliveries_finished ON compass_webhook_deliveries (created_at) WHERE status <> 'PENDING';
