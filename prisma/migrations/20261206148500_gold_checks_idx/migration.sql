-- A gold pair's checks (its scored labels) counted per pair without visiting the pairs: the Gold page's
-- summary and its suspect filter (lib/quality/gold.ts). Only labels on gold pairs are scored.
CREATE INDEX "labels_gold_pair_idx" ON "labels" ("project_id", "pair_id") INCLUDE ("gold_correct") WHERE gold_correct IS NOT NULL;
