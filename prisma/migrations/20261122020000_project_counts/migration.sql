-- Per-project counts of pairs by status and of labels, kept by statement-level triggers on pairs
-- (lib/projects/sql/counts.sql), so the progress counter and project lists never count(*) over
-- millions of rows. Each project's counts are split over 16 shards (pair id % 16) so concurrent
-- submits rarely wait on the same counter row; readers sum the shards.

CREATE TABLE "project_counts" (
    "project_id" INTEGER NOT NULL,
    "shard" SMALLINT NOT NULL,
    "open" BIGINT NOT NULL DEFAULT 0,
    "labelled" BIGINT NOT NULL DEFAULT 0,
    "in_review" BIGINT NOT NULL DEFAULT 0,
    "final" BIGINT NOT NULL DEFAULT 0,
    "labels" BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT "project_counts_pkey" PRIMARY KEY ("project_id", "shard")
);
ALTER TABLE "project_counts" ADD CONSTRAINT "project_counts_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "project_counts" SET (autovacuum_vacuum_scale_factor = 0.0, autovacuum_vacuum_threshold = 1000);

-- Backfill for databases that already hold pairs.
INSERT INTO project_counts (project_id, shard, open, labelled, in_review, final, labels)
SELECT project_id, (id % 16)::smallint,
       count(*) FILTER (WHERE status = 'open'), count(*) FILTER (WHERE status = 'labelled'),
       count(*) FILTER (WHERE status = 'in_review'), count(*) FILTER (WHERE status = 'final'),
       coalesce(sum(label_count), 0)
FROM pairs GROUP BY 1, 2;
