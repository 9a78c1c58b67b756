-- Audit samples (issue 14 point 6; docs/decisions/025-audit-sample.md). An admin draws a uniform random
-- sample of the project's regular pairs within task/subtask strata; the "audit" queue order serves the
-- sampled pairs that are still open, and the sample's human labels estimate the share people accept among
-- the pairs the verifier keeps and among those it drops (lib/quality/audit.ts, lib/quality/audit-math.ts).

-- 1. The new queue order.
ALTER TABLE projects
  DROP CONSTRAINT projects_queue_order_check,
  ADD CONSTRAINT projects_queue_order_check CHECK (queue_order IN ('import', 'uncertainty', 'disagreement', 'subtask', 'audit'));

-- 2. The pair's place in the current audit round's serving order (its sampling key: a hash of the pair
--    id under the round's seed, so the order is random and fixed); NULL when the pair is not in the
--    current round. Adding a NULL column rewrites no rows.
ALTER TABLE pairs ADD COLUMN queue_audit BIGINT;
CREATE INDEX pairs_queue_audit_idx ON pairs (project_id, queue_audit, id)
  WHERE taken < wanted AND NOT is_gold AND queue_audit IS NOT NULL;

-- 3. One row per draw. The seed carries over from the project's previous round, so with the same pool a
--    larger round is a superset of a smaller one and labels already given count again.
CREATE TABLE audit_rounds (
  project_id  INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE ON UPDATE CASCADE,
  round       INTEGER NOT NULL,
  -- 'proportional': a total split over strata by their size; 'equal': the same number from each stratum.
  allocation  TEXT NOT NULL,
  requested   INTEGER NOT NULL,
  seed        BIGINT NOT NULL,
  -- Regular pairs in the project when drawn (the frame) and pairs drawn.
  frame_size  INTEGER NOT NULL,
  sample_size INTEGER NOT NULL,
  drawn_at    TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (project_id, round),
  CONSTRAINT audit_rounds_allocation_check CHECK (allocation IN ('proportional', 'equal') AND requested > 0)
);

-- 4. The drawn pairs with their inclusion probability: stratum size N_h when drawn, the stratum's sample
--    size n_h, and n_h / N_h (simple random sampling without replacement within the stratum).
CREATE TABLE audit_samples (
  project_id   INTEGER NOT NULL,
  round        INTEGER NOT NULL,
  pair_id      BIGINT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE ON UPDATE CASCADE,
  task         TEXT,
  subtask      TEXT,
  stratum_size INTEGER NOT NULL,
  sample_size  INTEGER NOT NULL,
  probability  DOUBLE PRECISION NOT NULL,
  drawn_at     TIMESTAMPTZ(3) NOT NULL,
  PRIMARY KEY (project_id, round, pair_id),
  FOREIGN KEY (project_id, round) REFERENCES audit_rounds(project_id, round) ON DELETE CASCADE ON UPDATE CASCADE
);
CREATE INDEX audit_samples_pair_id_idx ON audit_samples (pair_id);
