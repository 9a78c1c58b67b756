-- Figures kept current in the transaction that moves them, so the quality, agreement, progress, review
-- and export pages read a few small rows instead of every label and pair of a project
-- (docs/decisions/026-kept-figures.md). The triggers that keep them are in lib/quality/sql/aggregates.sql;
-- this migration creates the tables and fills them for projects that already hold labels.
--
-- The triggers write signed rows appended to a *_delta table beside each table: an insert takes no row
-- lock, so concurrent submits (and an annotator's two tabs) never wait on, or deadlock over, a counter. Readers sum
-- the kept rows and the deltas (exact as of their snapshot); lib/quality/kept.ts folds the deltas into the
-- kept rows now and then, one folder at a time. The delta tables are plain logs, outside schema.prisma.

-- Per annotator and project: their labels, and how many sit on open, final (non-gold) and agreeing pairs,
-- and their gold checks on active gold pairs (lifetime).
CREATE TABLE "annotator_totals" (
    "project_id" INTEGER NOT NULL,
    "annotator_id" INTEGER NOT NULL,
    "labels" BIGINT NOT NULL DEFAULT 0,
    "open_labels" BIGINT NOT NULL DEFAULT 0,
    "final_labels" BIGINT NOT NULL DEFAULT 0,
    "agreeing" BIGINT NOT NULL DEFAULT 0,
    "gold_checks" BIGINT NOT NULL DEFAULT 0,
    "gold_correct" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "annotator_totals_pkey" PRIMARY KEY ("project_id", "annotator_id")
);
ALTER TABLE "annotator_totals" ADD CONSTRAINT "annotator_totals_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
-- Keyset pages of the standings: most labels first.
CREATE INDEX "annotator_totals_project_id_labels_annotator_id_idx" ON "annotator_totals"("project_id", "labels", "annotator_id");

-- Labels per annotator, project and UTC clock hour: the standings' rate and the throughput chart.
CREATE TABLE "label_hours" (
    "project_id" INTEGER NOT NULL,
    "annotator_id" INTEGER NOT NULL,
    "hour" TIMESTAMP(0) NOT NULL,
    "labels" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "label_hours_pkey" PRIMARY KEY ("project_id", "hour", "annotator_id")
);
ALTER TABLE "label_hours" ADD CONSTRAINT "label_hours_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Adjudications (review.adjudicate audit rows) per project and UTC day: the throughput chart.
CREATE TABLE "quality_days" (
    "project_id" INTEGER NOT NULL,
    "day" DATE NOT NULL,
    "adjudications" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "quality_days_pkey" PRIMARY KEY ("project_id", "day")
);
ALTER TABLE "quality_days" ADD CONSTRAINT "quality_days_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- How many pairs have each composition of labels (decision counts and the sorted multiset of reason
-- sets), per task and subtask: everything the agreement statistics need. Split over 16 shards (pair id %
-- 16) like project_counts, so concurrent submits rarely wait on one row.
CREATE TABLE "agreement_shapes" (
    "id" BIGSERIAL NOT NULL,
    "project_id" INTEGER NOT NULL,
    "shard" SMALLINT NOT NULL,
    "task" TEXT,
    "subtask" TEXT,
    "x" INTEGER NOT NULL,
    "y" INTEGER NOT NULL,
    "z" INTEGER NOT NULL,
    "sets" TEXT[] NOT NULL,
    "units" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "agreement_shapes_pkey" PRIMARY KEY ("id")
);
ALTER TABLE "agreement_shapes" ADD CONSTRAINT "agreement_shapes_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE UNIQUE INDEX "agreement_shapes_key" ON "agreement_shapes"("project_id", "shard", "task", "subtask", "x", "y", "z", "sets") NULLS NOT DISTINCT;

-- Cohen's contingency cells per annotator pair (a_id < b_id): pairs both labelled, by their decisions.
CREATE TABLE "agreement_cells" (
    "project_id" INTEGER NOT NULL,
    "a_id" INTEGER NOT NULL,
    "b_id" INTEGER NOT NULL,
    "da" "Decision" NOT NULL,
    "db" "Decision" NOT NULL,
    "n" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "agreement_cells_pkey" PRIMARY KEY ("project_id", "a_id", "b_id", "da", "db")
);
ALTER TABLE "agreement_cells" ADD CONSTRAINT "agreement_cells_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Pairs in review and final, by task, subtask, outcome, gold state and routing reasons: the review
-- queue's counts and filter values, the pipeline progress, the export form's task names.
CREATE TABLE "pair_tallies" (
    "id" BIGSERIAL NOT NULL,
    "project_id" INTEGER NOT NULL,
    "shard" SMALLINT NOT NULL,
    "status" "PairStatus" NOT NULL,
    "task" TEXT,
    "subtask" TEXT,
    "final_decision" "Decision",
    "is_gold" BOOLEAN NOT NULL,
    "gold_active" BOOLEAN NOT NULL,
    "review_reasons" TEXT[] NOT NULL,
    "pairs" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "pair_tallies_pkey" PRIMARY KEY ("id")
);
ALTER TABLE "pair_tallies" ADD CONSTRAINT "pair_tallies_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE UNIQUE INDEX "pair_tallies_key" ON "pair_tallies"("project_id", "shard", "status", "task", "subtask", "final_decision", "is_gold", "gold_active", "review_reasons") NULLS NOT DISTINCT;

CREATE TABLE "annotator_totals_delta" (LIKE "annotator_totals" INCLUDING DEFAULTS);
CREATE TABLE "label_hours_delta" (LIKE "label_hours" INCLUDING DEFAULTS);
CREATE TABLE "quality_days_delta" (LIKE "quality_days" INCLUDING DEFAULTS);
CREATE TABLE "agreement_cells_delta" (LIKE "agreement_cells" INCLUDING DEFAULTS);
CREATE TABLE "agreement_shapes_delta" (LIKE "agreement_shapes" EXCLUDING DEFAULTS);
ALTER TABLE "agreement_shapes_delta" DROP COLUMN "id";
CREATE TABLE "pair_tallies_delta" (LIKE "pair_tallies" EXCLUDING DEFAULTS);
ALTER TABLE "pair_tallies_delta" DROP COLUMN "id";
ALTER TABLE "annotator_totals_delta" SET (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 1000);
ALTER TABLE "label_hours_delta" SET (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 1000);
ALTER TABLE "quality_days_delta" SET (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 1000);
ALTER TABLE "agreement_cells_delta" SET (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 1000);
ALTER TABLE "agreement_shapes_delta" SET (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 1000);
ALTER TABLE "pair_tallies_delta" SET (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 1000);

-- Live reviewer claims, counted without visiting every pair in review.
CREATE INDEX "pairs_review_claimed_idx" ON "pairs"("project_id", "review_claimed_until") WHERE status = 'in_review' AND review_claimed_until IS NOT NULL;

-- An annotator's own daily goal in a project (shown beside "done today"; NULL: none).
ALTER TABLE "project_annotators" ADD COLUMN "daily_goal" INTEGER;
ALTER TABLE "project_annotators" ADD CONSTRAINT "project_annotators_daily_goal_check" CHECK ("daily_goal" IS NULL OR "daily_goal" BETWEEN 1 AND 100000);

-- Backfill.
INSERT INTO annotator_totals (project_id, annotator_id, labels, open_labels, final_labels, agreeing, gold_checks, gold_correct)
SELECT b.project_id, b.annotator_id, count(*),
       count(*) FILTER (WHERE p.status IN ('open', 'labelled')),
       count(*) FILTER (WHERE p.status = 'final' AND NOT p.is_gold),
       count(*) FILTER (WHERE p.status = 'final' AND NOT p.is_gold AND b.decision = p.final_decision),
       count(*) FILTER (WHERE b.gold_correct IS NOT NULL AND p.gold_active),
       count(*) FILTER (WHERE b.gold_correct AND p.gold_active)
FROM labels b JOIN pairs p ON p.id = b.pair_id
GROUP BY 1, 2;

INSERT INTO label_hours (project_id, annotator_id, hour, labels)
SELECT project_id, annotator_id, date_trunc('hour', created_at AT TIME ZONE 'UTC'), count(*)
FROM labels GROUP BY 1, 2, 3;

INSERT INTO quality_days (project_id, day, adjudications)
SELECT p.project_id, (e.created_at AT TIME ZONE 'UTC')::date, count(*)
FROM audit_events e JOIN pairs p ON p.id = (CASE WHEN e.subject_id ~ '^[0-9]{1,18}$' THEN e.subject_id::bigint END)
WHERE e.action = 'review.adjudicate' AND e.subject_type = 'pair'
GROUP BY 1, 2;

INSERT INTO agreement_shapes (project_id, shard, task, subtask, x, y, z, sets, units)
SELECT p.project_id, (p.id % 16)::smallint, p.task, p.subtask, c.x, c.y, c.z, c.sets, count(*)
FROM (
  SELECT pair_id,
         count(*) FILTER (WHERE decision = 'accept')::int AS x,
         count(*) FILTER (WHERE decision = 'reject')::int AS y,
         count(*) FILTER (WHERE decision = 'recaption')::int AS z,
         coalesce(array_agg(rs ORDER BY rs) FILTER (WHERE rs IS NOT NULL), '{}') AS sets
  FROM (SELECT pair_id, decision,
               CASE WHEN cardinality(reasons) > 0 THEN array_to_string(ARRAY(SELECT r FROM unnest(reasons) r ORDER BY r), chr(31)) END AS rs
        FROM labels) l
  GROUP BY pair_id
) c JOIN pairs p ON p.id = c.pair_id
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

INSERT INTO agreement_cells (project_id, a_id, b_id, da, db, n)
SELECT a.project_id, a.annotator_id, b.annotator_id, a.decision, b.decision, count(*)
FROM labels a JOIN labels b ON b.pair_id = a.pair_id AND b.annotator_id > a.annotator_id
GROUP BY 1, 2, 3, 4, 5;

INSERT INTO pair_tallies (project_id, shard, status, task, subtask, final_decision, is_gold, gold_active, review_reasons, pairs)
SELECT project_id, (id % 16)::smallint, status, task, subtask, final_decision, is_gold, gold_active, review_reasons, count(*)
FROM pairs WHERE status IN ('in_review', 'final')
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
