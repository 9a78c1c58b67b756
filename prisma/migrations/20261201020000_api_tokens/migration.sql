-- Pipeline API (issue 5): per-user API tokens scoped to projects, and the cursor key of the
-- final-labels feed (GET /api/v1/projects/:id/labels). See lib/api/.

-- A token is shown once and stored as the sha256 of its text: it carries 256 random bits, so the
-- hash cannot be reversed or guessed however fast it is, and a unique index finds it in one probe
-- (bcrypt's salt and cost protect low-entropy passwords and would cost ~50 ms on every API call).
CREATE TABLE api_tokens (
  id           SERIAL PRIMARY KEY,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE ON UPDATE CASCADE,
  name         TEXT NOT NULL,
  token_hash   CHAR(64) NOT NULL,
  -- The first characters of the token ("loupe_AbC1"), so its owner can tell tokens apart in the list.
  hint         TEXT NOT NULL,
  created_at   TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  expires_at   TIMESTAMPTZ(3),
  -- Moved at most once a minute (lib/api/tokens.ts), so a busy pipeline does not write on every call.
  last_used_at TIMESTAMPTZ(3),
  revoked_at   TIMESTAMPTZ(3),
  revoked_by   INTEGER REFERENCES users(id) ON DELETE SET NULL ON UPDATE CASCADE,
  CONSTRAINT api_tokens_name_check CHECK (length(btrim(name)) BETWEEN 1 AND 100)
);
CREATE UNIQUE INDEX api_tokens_token_hash_key ON api_tokens (token_hash);
CREATE INDEX api_tokens_user_id_idx ON api_tokens (user_id);

-- The projects a token may reach (one or more). A deleted project leaves every token's scope.
CREATE TABLE api_token_projects (
  token_id   INTEGER NOT NULL REFERENCES api_tokens(id) ON DELETE CASCADE ON UPDATE CASCADE,
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE ON UPDATE CASCADE,
  PRIMARY KEY (token_id, project_id)
);
CREATE INDEX api_token_projects_project_id_idx ON api_token_projects (project_id);

-- The labels feed pages over (final_xid, id): final_xid is the id of the transaction that last made
-- the pair final, changed its final answer, or took it back out of final. A timestamp or a sequence
-- would not do as the key: a transaction that drew an earlier value can commit after a reader has
-- paged past it, and that pair would be skipped for good. The feed reads only rows whose xid is below
-- the oldest transaction still running (pg_snapshot_xmin), so every row it may ever see below its
-- cursor has committed already. A pair that changes again gets a new xid and reappears.
ALTER TABLE pairs ADD COLUMN final_xid BIGINT;
-- A trigger sets it (lib/pipeline-api/sql/feed.sql).

-- Pairs already final when this migration runs enter the feed in id order (one transaction: one xid).
UPDATE pairs SET final_xid = pg_current_xact_id()::text::bigint WHERE status = 'final';

-- The feed's order, and the progress endpoint's count of final pairs by decision (index-only).
CREATE INDEX pairs_final_feed_idx ON pairs (project_id, final_xid, id) INCLUDE (final_decision) WHERE final_xid IS NOT NULL;
-- The feed's epoch, carried by every cursor: loupe_repair_final_xid() (lib/pipeline-api/sql/feed.sql)
-- moves it when the database was restored into another cluster, so older cursors are refused.
CREATE SEQUENCE pairs_final_feed_epoch;
-- is_called: last_value (1) is the epoch from the start, and the first move makes it 2.
SELECT setval('pairs_final_feed_epoch', 1, true);
