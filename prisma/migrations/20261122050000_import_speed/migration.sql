-- pairs(project_id, status) was never used by a query (progress reads project_counts, claims use
-- the partial open-work index) yet cost every inserted pair one more index entry: imports write
-- millions of pairs. Queues that need a status order add a partial index for their own shape.
DROP INDEX IF EXISTS "pairs_project_id_status_idx";
