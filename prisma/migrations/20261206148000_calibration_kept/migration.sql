-- The calibration page's figures for the active verifier version kept current, instead of grouping every
-- final pair of the project on each load (docs/decisions/031-calibration-kept.md). The triggers that keep
-- them are in lib/calibration/sql/kept.sql; like the other kept figures (decision 026) they append signed
-- rows to *_delta tables that readers add and lib/quality/kept.ts folds.

-- Final pairs by task, subtask, gold, the valid flag, the keep rule's verdict (the kept margin's sign) and
-- the human outcome: the verdict tables and the scope table.
CREATE TABLE "calibration_scopes" (
    "id" BIGSERIAL NOT NULL,
    "project_id" INTEGER NOT NULL,
    "task" TEXT,
    "subtask" TEXT,
    "is_gold" BOOLEAN NOT NULL,
    "valid" BOOLEAN,
    "keep" BOOLEAN,
    "accepted" BOOLEAN,
    "pairs" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "calibration_scopes_pkey" PRIMARY KEY ("id")
);
ALTER TABLE "calibration_scopes" ADD CONSTRAINT "calibration_scopes_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE UNIQUE INDEX "calibration_scopes_key" ON "calibration_scopes"("project_id", "task", "subtask", "is_gold", "valid", "keep", "accepted") NULLS NOT DISTINCT;

-- Final pairs by task, subtask, gold, outcome and one numeric score's bin (the raw score rounded to 3
-- significant digits), with the lowest and highest score the bin has held: the PR curves and thresholds.
-- Every numeric score of the active copy is binned, declared or not, raw (not oriented), so changing the
-- declaration or a column's direction needs no recount: the reader orients (a bin of -x is minus x's bin).
CREATE TABLE "calibration_bins" (
    "id" BIGSERIAL NOT NULL,
    "project_id" INTEGER NOT NULL,
    "task" TEXT,
    "subtask" TEXT,
    "is_gold" BOOLEAN NOT NULL,
    "accepted" BOOLEAN,
    "key" TEXT NOT NULL,
    "bin" DOUBLE PRECISION NOT NULL,
    "lo" DOUBLE PRECISION NOT NULL,
    "hi" DOUBLE PRECISION NOT NULL,
    "pairs" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "calibration_bins_pkey" PRIMARY KEY ("id")
);
ALTER TABLE "calibration_bins" ADD CONSTRAINT "calibration_bins_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE UNIQUE INDEX "calibration_bins_key" ON "calibration_bins"("project_id", "task", "subtask", "is_gold", "accepted", "key", "bin") NULLS NOT DISTINCT;

CREATE TABLE "calibration_scopes_delta" (LIKE "calibration_scopes" EXCLUDING DEFAULTS);
ALTER TABLE "calibration_scopes_delta" DROP COLUMN "id";
CREATE TABLE "calibration_bins_delta" (LIKE "calibration_bins" EXCLUDING DEFAULTS);
ALTER TABLE "calibration_bins_delta" DROP COLUMN "id";
ALTER TABLE "calibration_scopes_delta" SET (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 1000);
ALTER TABLE "calibration_bins_delta" SET (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 1000);

-- Backfill. loupe_score_bin and loupe_recount_calibration (lib/calibration/sql/kept.sql) do the same for
-- one project; definition files are applied after the migrations, so the rounding is written out here.
INSERT INTO calibration_scopes (project_id, task, subtask, is_gold, valid, keep, accepted, pairs)
SELECT project_id, task, subtask, is_gold, verifier_valid, verifier_margin >= 0, final_decision = 'accept', count(*)
FROM pairs WHERE status = 'final'
GROUP BY 1, 2, 3, 4, 5, 6, 7;

INSERT INTO calibration_bins (project_id, task, subtask, is_gold, accepted, key, bin, lo, hi, pairs)
SELECT project_id, task, subtask, is_gold, accepted, key,
       CASE WHEN s = 0 THEN 0::float8 ELSE round(s * power(10::float8, 2 - floor(log(abs(s))))) / power(10::float8, 2 - floor(log(abs(s)))) END,
       min(s), max(s), count(*)
FROM (
  SELECT p.project_id, p.task, p.subtask, p.is_gold, p.final_decision = 'accept' AS accepted, e.key, (p.verifier_scores->>e.key)::float8 AS s
  FROM pairs p
  CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(p.verifier_scores) = 'object' THEN p.verifier_scores ELSE '{}'::jsonb END) e
  WHERE p.status = 'final' AND jsonb_typeof(e.value) = 'number'
  OFFSET 0
) f
GROUP BY 1, 2, 3, 4, 5, 6, 7;
