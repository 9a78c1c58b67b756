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

CREATE FUNCTION loupe_pair_final_xid() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- The top-level transaction's id, also inside a savepoint (the import's batch insert uses one).
  NEW.final_xid := pg_current_xact_id()::text::bigint;
  RETURN NEW;
END $$;

-- WHEN is evaluated without entering plpgsql, and UPDATE OF skips the trigger entirely for the hot
-- path's updates (taken, label_count), so only a change of the final answer pays for it. is_gold is
-- in the list because the feed serves a `gold` flag: a final pair promoted to gold (lib/quality/gold.ts
-- changes no final_* column) must be served again with it.
CREATE TRIGGER pairs_final_xid_ins BEFORE INSERT ON pairs FOR EACH ROW
  WHEN (NEW.status = 'final') EXECUTE FUNCTION loupe_pair_final_xid();
CREATE TRIGGER pairs_final_xid_upd BEFORE UPDATE OF status, final_decision, final_instruction, final_reasons, final_source, is_gold ON pairs
  FOR EACH ROW
  WHEN ((NEW.status = 'final' AND (OLD.status IS DISTINCT FROM NEW.status
                                   OR OLD.final_decision IS DISTINCT FROM NEW.final_decision
                                   OR OLD.final_instruction IS DISTINCT FROM NEW.final_instruction
                                   OR OLD.final_reasons IS DISTINCT FROM NEW.final_reasons
                                   OR OLD.final_source IS DISTINCT FROM NEW.final_source
                                   OR OLD.is_gold IS DISTINCT FROM NEW.is_gold))
        OR (OLD.status = 'final' AND NEW.status <> 'final'))
  EXECUTE FUNCTION loupe_pair_final_xid();

-- Pairs already final when this migration runs enter the feed in id order (one transaction: one xid).
UPDATE pairs SET final_xid = pg_current_xact_id()::text::bigint WHERE status = 'final';

-- The feed's order, and the progress endpoint's count of final pairs by decision (index-only).
CREATE INDEX pairs_final_feed_idx ON pairs (project_id, final_xid, id) INCLUDE (final_decision) WHERE final_xid IS NOT NULL;

-- Transaction ids only grow within one PostgreSQL cluster. Restored from a dump into another cluster
-- (or copied there), pairs keep final_xid values that may lie beyond the new cluster's counter: the
-- feed would hide them (it reads below pg_snapshot_xmin) and sort new finalisations before them.
-- loupe_repair_final_xid() moves such values to its own transaction's id, which is later than any
-- cursor handed out so far, so those pairs are simply served again; it also moves the feed's epoch,
-- which every cursor carries, so a cursor taken before the move (its position means nothing in the
-- new cluster) is refused with a 400 instead of silently skipping pairs. The migration runner calls it
-- after every run (lib/db/migrate.ts): the check is one index probe per project.
CREATE SEQUENCE pairs_final_feed_epoch;
-- is_called: last_value (1) is the epoch from the start, and the first move makes it 2.
SELECT setval('pairs_final_feed_epoch', 1, true);

CREATE FUNCTION loupe_repair_final_xid() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  n bigint;
BEGIN
  -- Two processes starting at once: the second waits, then finds nothing left to move.
  PERFORM pg_advisory_xact_lock(7241954);
  -- The bound is this statement's own snapshot: a row it sees was written by a transaction below its
  -- xmax, so a final_xid at or above it cannot have come from this cluster. Walks pairs_final_feed_idx
  -- backwards, once per project.
  IF NOT EXISTS (
    SELECT 1 FROM projects pr
    WHERE (SELECT p.final_xid FROM pairs p WHERE p.project_id = pr.id AND p.final_xid IS NOT NULL
           ORDER BY p.final_xid DESC LIMIT 1) >= pg_snapshot_xmax(pg_current_snapshot())::text::bigint) THEN
    RETURN 0;
  END IF;
  PERFORM nextval('pairs_final_feed_epoch');
  UPDATE pairs SET final_xid = pg_current_xact_id()::text::bigint
   WHERE final_xid IS NOT NULL AND final_xid >= pg_snapshot_xmax(pg_current_snapshot())::text::bigint;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n;
END $$;
