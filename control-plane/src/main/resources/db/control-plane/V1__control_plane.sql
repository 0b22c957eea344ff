-- The control plane's own tables (prefix cp_, history in control_plane_schema_history), so they
-- never collide with the core's migrations.

-- One row per runtime: its desired state (revisioned), its default state and what its consumers
-- last reported. The row is the lock that serialises writers of one runtime.
CREATE TABLE cp_runtimes (
  namespace         TEXT        NOT NULL,
  name              TEXT        NOT NULL,
  topic             TEXT        NOT NULL,
  source            TEXT        NOT NULL,              -- 'config' or 'registered'
  default_state     JSONB       NOT NULL,              -- {"consumer-group:orders": "running", ...}
  desired           JSONB       NOT NULL,
  revision          BIGINT      NOT NULL,
  updated_at        TIMESTAMPTZ NOT NULL,
  observed          JSONB,                             -- as reported on the feedback topic
  observed_revision BIGINT,
  observed_instance TEXT,
  observed_at       TIMESTAMPTZ,
  reconciled        JSONB       NOT NULL DEFAULT '{}', -- per target: true/false
  PRIMARY KEY (namespace, name)
);

-- Who changed what, when: one row per stored revision.
CREATE TABLE cp_audit (
  id         BIGSERIAL   PRIMARY KEY,
  namespace  TEXT        NOT NULL,
  name       TEXT        NOT NULL,
  revision   BIGINT      NOT NULL,
  actor      TEXT        NOT NULL,
  method     TEXT        NOT NULL,
  change     JSONB       NOT NULL,                    -- {"before": {...}, "after": {...}}
  at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX cp_audit_runtime ON cp_audit (namespace, name, revision);

-- Transactional outbox: written with the state change, published later by the state channel.
CREATE TABLE cp_outbox (
  id           BIGSERIAL   PRIMARY KEY,
  namespace    TEXT        NOT NULL,
  name         TEXT        NOT NULL,
  topic        TEXT        NOT NULL,
  revision     BIGINT      NOT NULL,
  document     TEXT        NOT NULL,
  created_at   TIMESTAMPTZ NOT NULL,
  published_at TIMESTAMPTZ
);
CREATE INDEX cp_outbox_pending ON cp_outbox (id) WHERE published_at IS NULL;
