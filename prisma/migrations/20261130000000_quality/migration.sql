-- Quality control (issue 4): project quality settings, gold pairs, consensus and routing to review,
-- adjudication, annotator pauses. Consensus, gold scoring and pausing run inside the label triggers,
-- so they commit in the same transaction as the label whatever path inserted it (API, seeding,
-- tests) and no process memory or follow-up job is needed (docs/decisions/007-quality-in-the-database.md).

-- 1. Project settings.
ALTER TABLE projects
  ADD COLUMN gold_rate REAL NOT NULL DEFAULT 0,
  ADD COLUMN gold_min_count INTEGER NOT NULL DEFAULT 10,
  ADD COLUMN gold_accuracy_threshold REAL NOT NULL DEFAULT 0.7,
  ADD COLUMN gold_recaption_threshold REAL NOT NULL DEFAULT 0.25,
  ADD COLUMN recaption_disagreement_threshold REAL NOT NULL DEFAULT 0.35,
  ADD COLUMN verifier_rule TEXT NOT NULL DEFAULT 'auto',
  ADD COLUMN keep_min_if SMALLINT NOT NULL DEFAULT 3,
  ADD COLUMN keep_min_ec SMALLINT NOT NULL DEFAULT 2,
  ADD COLUMN keep_min_gq SMALLINT NOT NULL DEFAULT 2,
  ADD CONSTRAINT projects_quality_check CHECK (
    gold_rate BETWEEN 0 AND 0.5
    AND gold_min_count BETWEEN 1 AND 10000
    AND gold_accuracy_threshold BETWEEN 0 AND 1
    AND gold_recaption_threshold BETWEEN 0 AND 1
    AND recaption_disagreement_threshold BETWEEN 0 AND 1
    AND verifier_rule IN ('auto', 'valid_flag', 'scores', 'off')
    AND keep_min_if BETWEEN 1 AND 3 AND keep_min_ec BETWEEN 1 AND 3 AND keep_min_gq BETWEEN 1 AND 3);

-- 2. Gold, consensus, routing and adjudication on pairs.
ALTER TABLE pairs
  -- A gold pair has a known answer. It is never regular work (it stays out of the open-work index)
  -- and any number of annotators may label it, so `taken` may pass `wanted` for gold pairs only.
  -- `gold_active` false retires it: no longer served, no longer scored.
  ADD COLUMN is_gold BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN gold_active BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN gold_decision "Decision",
  ADD COLUMN gold_reasons TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
  ADD COLUMN gold_instruction TEXT,
  ADD COLUMN final_decision "Decision",
  ADD COLUMN final_instruction TEXT,
  ADD COLUMN final_reasons TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
  ADD COLUMN final_source TEXT,
  ADD COLUMN finalized_at TIMESTAMPTZ(3),
  -- Share of the pair's labels that agree with its majority decision, set when it settles.
  ADD COLUMN agreement REAL,
  -- Why it went to review: 'decision' | 'recaption' | 'verifier'.
  ADD COLUMN review_reasons TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
  ADD COLUMN routed_at TIMESTAMPTZ(3),
  ADD COLUMN review_claimed_by INTEGER,
  ADD COLUMN review_claimed_until TIMESTAMPTZ(3),
  ADD COLUMN reviewed_by INTEGER,
  ADD COLUMN reviewed_at TIMESTAMPTZ(3),
  ADD COLUMN review_note TEXT,
  ADD COLUMN review_submission_id UUID;

ALTER TABLE pairs DROP CONSTRAINT pairs_taken_check;
ALTER TABLE pairs ADD CONSTRAINT pairs_taken_check CHECK ("taken" >= 0 AND ("taken" <= "wanted" OR "is_gold"));
ALTER TABLE pairs ADD CONSTRAINT pairs_gold_check CHECK (
  (NOT gold_active OR is_gold) AND (NOT is_gold OR (gold_decision IS NOT NULL AND status = 'final')));
ALTER TABLE pairs ADD CONSTRAINT pairs_final_check CHECK (
  (status = 'final') = (final_decision IS NOT NULL)
  AND (final_source IS NULL OR final_source IN ('consensus', 'review', 'gold')));
ALTER TABLE pairs ADD CONSTRAINT pairs_review_claimed_by_fkey FOREIGN KEY (review_claimed_by) REFERENCES users(id) ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE pairs ADD CONSTRAINT pairs_reviewed_by_fkey FOREIGN KEY (reviewed_by) REFERENCES users(id) ON DELETE SET NULL ON UPDATE CASCADE;

-- Regular work excludes gold; the claim's WHERE repeats `NOT is_gold` so the planner can use it.
DROP INDEX pairs_open_work_idx;
CREATE INDEX pairs_open_work_idx ON pairs (project_id, id) WHERE taken < wanted AND NOT is_gold;
CREATE INDEX pairs_gold_idx ON pairs (project_id, id) WHERE gold_active;
-- Active and retired gold, for the admin's gold list (lib/quality/gold.ts).
CREATE INDEX pairs_is_gold_idx ON pairs (project_id, id) WHERE is_gold;
CREATE INDEX pairs_review_idx ON pairs (project_id, id) WHERE status = 'in_review';

-- 3. Labels remember whether they passed a gold check (NULL: not a gold check).
ALTER TABLE labels ADD COLUMN gold_correct BOOLEAN;
CREATE INDEX labels_gold_idx ON labels (project_id, annotator_id, created_at) WHERE gold_correct IS NOT NULL;

-- 4. Per project and annotator: the pause and its lift. Gold accuracy counts gold checks made after
--    the last lift, so a lifted annotator gets a fresh minimum before the rule applies again.
CREATE TABLE project_annotators (
  project_id   INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE ON UPDATE CASCADE,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE ON UPDATE CASCADE,
  paused_at    TIMESTAMPTZ(3),
  pause_reason TEXT,
  lifted_at    TIMESTAMPTZ(3),
  lifted_by    INTEGER REFERENCES users(id) ON DELETE SET NULL ON UPDATE CASCADE,
  PRIMARY KEY (project_id, user_id)
);

-- The audit log page (lib/audit/queries.ts) pages newest first by id within an actor or an action:
-- index those orders instead of (…, created_at), which made a busy annotator's filter sort all of
-- their rows for every page. Same number of indexes, so label inserts (one audit row each) pay nothing more.
DROP INDEX audit_events_actor_id_created_at_idx;
DROP INDEX audit_events_action_created_at_idx;
CREATE INDEX audit_events_actor_id_id_idx ON audit_events (actor_id, id);
CREATE INDEX audit_events_action_id_idx ON audit_events (action, id);

-- Text distance, gold scoring, pauses, the verifier's verdict, consensus and the label trigger that
-- settles a pair are definition files (lib/quality/sql/, lib/queue/sql/taken.sql; lib/db/definitions.ts).
-- Settling the pairs that already had all their labels calls them: after-definitions.sql.
