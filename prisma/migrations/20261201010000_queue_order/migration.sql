-- Queue order (issue 5): per project, the admin picks how regular pairs are served. Each order has
-- a per-pair key, set by a BEFORE INSERT trigger (so every insert path — imports, the pipeline API,
-- seeding, tests — gets it), and a partial index over open work in that key's order, so the claim
-- stays one indexed statement for every order (lib/queue/sql.ts, CLAIM_SQL; decision 003).
--
--   import        pairs_open_work_idx (project_id, id)                        — as before
--   uncertainty   pairs_queue_uncertainty_idx (project_id, queue_uncertainty, id)
--   disagreement  pairs_queue_disagreement_idx (project_id, queue_disagreement DESC, id)
--   subtask       pairs_queue_subtask_idx (project_id, queue_stratum_rank, id)
--
-- Switching orders needs no rewrite: every key is always kept. The two keys that read the project's
-- keep rule (uncertainty, disagreement) are recomputed for open pairs in keyset batches when the keep
-- rule or the verifier rule changes (lib/queue/order-keys.ts, audited 'project.queue_keys_applied').

-- 1. The project's order.
ALTER TABLE projects
  ADD COLUMN queue_order TEXT NOT NULL DEFAULT 'import',
  ADD CONSTRAINT projects_queue_order_check CHECK (queue_order IN ('import', 'uncertainty', 'disagreement', 'subtask'));

-- 2. Per-pair keys. Constant defaults: adding them rewrites no rows.
ALTER TABLE pairs
  -- Score steps that would flip the keep rule's verdict (0: the valid flag contradicts the scores);
  -- NULL without all three scores. Served lowest first, NULL last.
  ADD COLUMN queue_uncertainty SMALLINT,
  -- Heuristic points for "people will likely contradict the verifier". Served highest first.
  ADD COLUMN queue_disagreement SMALLINT NOT NULL DEFAULT 0,
  -- Position of the pair within its stratum (task, subtask), in insert order, from 1. Served lowest
  -- first: the first pair of every stratum, then the second of every stratum, …
  ADD COLUMN queue_stratum_rank INTEGER NOT NULL DEFAULT 0;

-- The last rank given per (project, stratum): where the next inserted pair of that stratum continues.
CREATE TABLE queue_strata (
  project_id INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE ON UPDATE CASCADE,
  stratum    TEXT NOT NULL,
  last_rank  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (project_id, stratum)
);

-- 3. The keys are functions, and a BEFORE INSERT trigger sets them: lib/queue/sql/queue-keys.sql.
--    The keys of the pairs already there are computed by after-definitions.sql, which calls them.

-- 4. One partial index per order over open regular work, like pairs_open_work_idx. The claim writes
--    project_id as a range and orders by it first so that only these indexes can serve each order.
CREATE INDEX pairs_queue_uncertainty_idx ON pairs (project_id, queue_uncertainty, id) WHERE taken < wanted AND NOT is_gold;
CREATE INDEX pairs_queue_disagreement_idx ON pairs (project_id, queue_disagreement DESC, id) WHERE taken < wanted AND NOT is_gold;
CREATE INDEX pairs_queue_subtask_idx ON pairs (project_id, queue_stratum_rank, id) WHERE taken < wanted AND NOT is_gold;
