-- The Gold page's summary kept per project (docs/decisions/026-kept-figures.md): scored labels on gold
-- pairs (checks), how many were right, and how many gold pairs look suspect (at least 3 checks, mostly
-- wrong: lib/quality/gold.ts GOLD_FLAG_MIN_CHECKS, loupe_gold_suspect in lib/quality/sql/aggregates.sql).
-- The label triggers append signed rows to gold_summary_delta, folded with the other kept figures.
CREATE TABLE "gold_summary" (
    "project_id" INTEGER NOT NULL,
    "checks" BIGINT NOT NULL DEFAULT 0,
    "correct" BIGINT NOT NULL DEFAULT 0,
    "suspect" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "gold_summary_pkey" PRIMARY KEY ("project_id")
);
ALTER TABLE "gold_summary" ADD CONSTRAINT "gold_summary_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE TABLE "gold_summary_delta" (LIKE "gold_summary" EXCLUDING DEFAULTS);
ALTER TABLE "gold_summary_delta" SET (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 1000);

-- Backfill (loupe_recount_aggregates does the same for one project; the rule is written out here, as
-- definition files are applied after the migrations).
INSERT INTO gold_summary (project_id, checks, correct, suspect)
SELECT project_id, sum(checks), sum(correct), count(*) FILTER (WHERE checks >= 3 AND correct * 2 < checks)
FROM (SELECT project_id, pair_id, count(*) AS checks, count(*) FILTER (WHERE gold_correct) AS correct
      FROM labels WHERE gold_correct IS NOT NULL GROUP BY 1, 2) g
GROUP BY 1;
