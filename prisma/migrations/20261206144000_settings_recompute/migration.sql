-- A settings change that moves pairs (the overlap; the keep rule, verifier rule or active version) is
-- applied to the pairs in the background (lib/quality/recompute.ts, docs/decisions/027): this row is the
-- work left for one project, its checkpoint and its progress. The save writes it in its own transaction;
-- each batch moves it in the batch's transaction, so a crashed run resumes where the last batch ended.
CREATE TABLE settings_recomputes (
  project_id      INTEGER PRIMARY KEY REFERENCES projects(id) ON DELETE CASCADE ON UPDATE CASCADE,
  -- Bumped by every save that queues work: a save while a run is going restarts the phases it names.
  generation      INTEGER NOT NULL DEFAULT 1,
  actor_id        INTEGER REFERENCES users(id) ON DELETE SET NULL ON UPDATE CASCADE,
  -- Open pairs nobody started get the project's overlap, by id after overlap_after.
  overlap_pending BOOLEAN NOT NULL DEFAULT false,
  overlap_after   BIGINT NOT NULL DEFAULT 0,
  overlap_changed BIGINT NOT NULL DEFAULT 0,
  -- Verifier copy, margin and open pairs' queue keys, by external id after keys_after (NULL: from the start).
  keys_pending    BOOLEAN NOT NULL DEFAULT false,
  keys_after      TEXT,
  keys_changed    BIGINT NOT NULL DEFAULT 0,
  pairs_done      BIGINT NOT NULL DEFAULT 0,
  pairs_total     BIGINT NOT NULL DEFAULT 0,
  started_at      TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  finished_at     TIMESTAMPTZ(3),
  updated_at      TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
