-- pairs(project_id, status) was never used by a query (progress reads project_counts, claims use
-- the partial open-work index) yet cost every inserted pair one more index entry: imports write
-- millions of pairs. Queues that need a status order add a partial index for their own shape.
DROP INDEX IF EXISTS "pairs_project_id_status_idx";

-- Consecutive failed attempts of an import (reset by every committed batch). The worker retries with
-- back-off and fails the import with the error's message after a few, instead of looping forever.
ALTER TABLE imports ADD COLUMN failures INTEGER NOT NULL DEFAULT 0;
