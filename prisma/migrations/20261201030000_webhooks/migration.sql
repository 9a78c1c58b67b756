-- Webhooks (issue 5): per-project endpoints and a delivery log that doubles as the delivery queue.
-- "pair.finalized" is emitted by a trigger on pairs, so it commits with whatever finalised the pair
-- (the label trigger's consensus, a reviewer's adjudication) and costs nothing for a project without
-- webhooks. Other events go through loupe_webhook_emit in the caller's transaction. Both are in
-- lib/webhooks/sql/emit.sql. A worker (lib/webhooks/worker.ts) claims due rows with SKIP LOCKED.

CREATE TABLE webhook_endpoints (
  id                    SERIAL PRIMARY KEY,
  project_id            INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE ON UPDATE CASCADE,
  url                   TEXT NOT NULL,
  description           TEXT NOT NULL DEFAULT '',
  events                TEXT[] NOT NULL,
  -- Kept readable: signing needs it. Shown to the admin only when made or rotated. After a rotation
  -- the previous secret also signs until previous_secret_until, so receivers can switch without a gap.
  secret                TEXT NOT NULL,
  previous_secret       TEXT,
  previous_secret_until TIMESTAMPTZ(3),
  active                BOOLEAN NOT NULL DEFAULT true,
  created_by            INTEGER REFERENCES users(id) ON DELETE SET NULL ON UPDATE CASCADE,
  created_at            TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at            TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT webhook_endpoints_events_check CHECK (
    cardinality(events) > 0 AND events <@ ARRAY['pair.finalized', 'export.finished']::text[]),
  CONSTRAINT webhook_endpoints_url_check CHECK (url ~ '^https?://' AND length(url) <= 2048)
);
CREATE INDEX webhook_endpoints_project_id_idx ON webhook_endpoints (project_id);

CREATE TABLE webhook_deliveries (
  id               BIGSERIAL PRIMARY KEY,
  endpoint_id      INTEGER NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE ON UPDATE CASCADE,
  event            TEXT NOT NULL,
  -- One event sent to several endpoints (or redelivered) keeps its id: receivers dedupe on it.
  event_id         UUID NOT NULL,
  -- The whole body as sent: { id, type, occurredAt, projectId, data }.
  payload          JSONB NOT NULL,
  -- pending → delivering (claimed; next_attempt_at is then the claim's expiry) → delivered, or back
  -- to pending with a later next_attempt_at, or failed after max_attempts. paused: the endpoint is
  -- inactive; re-activating it makes these pending again.
  status           TEXT NOT NULL DEFAULT 'pending',
  attempts         INTEGER NOT NULL DEFAULT 0,
  -- lib/webhooks/policy.ts RETRY_DELAYS_S has max_attempts - 1 entries; keep them in step.
  max_attempts     INTEGER NOT NULL DEFAULT 9,
  next_attempt_at  TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  last_attempt_at  TIMESTAMPTZ(3),
  last_status_code INTEGER,
  last_error       TEXT,
  response_ms      INTEGER,
  -- Set on a delivery an admin asked for again; no foreign key, the original may have been pruned.
  redelivery_of    BIGINT,
  created_at       TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  delivered_at     TIMESTAMPTZ(3),
  CONSTRAINT webhook_deliveries_status_check CHECK (status IN ('pending', 'delivering', 'delivered', 'failed', 'paused')),
  CONSTRAINT webhook_deliveries_event_check CHECK (event IN ('pair.finalized', 'export.finished', 'webhook.test')),
  CONSTRAINT webhook_deliveries_attempts_check CHECK (attempts >= 0 AND max_attempts BETWEEN 1 AND 20)
);
-- The delivery log, newest first per endpoint.
CREATE INDEX webhook_deliveries_endpoint_id_id_idx ON webhook_deliveries (endpoint_id, id DESC);
-- The worker's claim takes each endpoint's earliest due deliveries (lib/webhooks/worker.ts): only work
-- still to do, so delivered history does not grow it.
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (endpoint_id, next_attempt_at) WHERE status IN ('pending', 'delivering');
-- ...and counts each endpoint's unexpired claims, to hold at most a few in flight per endpoint. Tiny:
-- only rows being sent right now.
CREATE INDEX webhook_deliveries_in_flight_idx ON webhook_deliveries (endpoint_id, next_attempt_at) WHERE status = 'delivering';
-- Pruning deletes finished deliveries oldest first: this walks exactly those, from the oldest.
CREATE INDEX webhook_deliveries_finished_idx ON webhook_deliveries (created_at) WHERE status IN ('delivered', 'failed');
