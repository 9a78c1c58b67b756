-- Per-project counts of pairs by status and of labels, kept by statement-level triggers on pairs, so
-- the progress counter and project lists never count(*) over millions of rows. Each project's counts
-- are split over 16 shards (pair id % 16) so concurrent submits rarely wait on the same counter row;
-- readers sum the shards.

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

-- Folds signed row images (+1 for new rows, -1 for old rows) into the counters.
CREATE FUNCTION loupe_apply_pair_deltas(deltas jsonb) RETURNS void LANGUAGE sql AS $$
  INSERT INTO project_counts AS pc (project_id, shard, open, labelled, in_review, final, labels)
  SELECT (d->>'project_id')::int, (d->>'shard')::smallint, (d->>'open')::bigint, (d->>'labelled')::bigint,
         (d->>'in_review')::bigint, (d->>'final')::bigint, (d->>'labels')::bigint
  FROM jsonb_array_elements(deltas) d
  ON CONFLICT (project_id, shard) DO UPDATE SET
    open = pc.open + EXCLUDED.open,
    labelled = pc.labelled + EXCLUDED.labelled,
    in_review = pc.in_review + EXCLUDED.in_review,
    final = pc.final + EXCLUDED.final,
    labels = pc.labels + EXCLUDED.labels
$$;

CREATE FUNCTION loupe_pair_counts_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loupe_apply_pair_deltas(coalesce(jsonb_agg(row_to_json(a)), '[]'::jsonb)) FROM (
    SELECT project_id, (id % 16) AS shard,
           count(*) FILTER (WHERE status = 'open') AS open, count(*) FILTER (WHERE status = 'labelled') AS labelled,
           count(*) FILTER (WHERE status = 'in_review') AS in_review, count(*) FILTER (WHERE status = 'final') AS final,
           sum(label_count) AS labels
    FROM new_rows GROUP BY 1, 2) a;
  RETURN NULL;
END $$;

CREATE FUNCTION loupe_pair_counts_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loupe_apply_pair_deltas(coalesce(jsonb_agg(row_to_json(a)), '[]'::jsonb)) FROM (
    SELECT project_id, (id % 16) AS shard,
           -count(*) FILTER (WHERE status = 'open') AS open, -count(*) FILTER (WHERE status = 'labelled') AS labelled,
           -count(*) FILTER (WHERE status = 'in_review') AS in_review, -count(*) FILTER (WHERE status = 'final') AS final,
           -sum(label_count) AS labels
    FROM old_rows GROUP BY 1, 2) a;
  RETURN NULL;
END $$;

-- Fires for every UPDATE statement on pairs (column lists cannot be combined with transition
-- tables); updates that change neither status nor label_count net to zero and write nothing.
CREATE FUNCTION loupe_pair_counts_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loupe_apply_pair_deltas(coalesce(jsonb_agg(row_to_json(a)), '[]'::jsonb)) FROM (
    SELECT project_id, shard, sum(open) AS open, sum(labelled) AS labelled, sum(in_review) AS in_review,
           sum(final) AS final, sum(labels) AS labels
    FROM (
      SELECT n.project_id, (n.id % 16) AS shard,
             (n.status = 'open')::int - (o.status = 'open')::int AS open,
             (n.status = 'labelled')::int - (o.status = 'labelled')::int AS labelled,
             (n.status = 'in_review')::int - (o.status = 'in_review')::int AS in_review,
             (n.status = 'final')::int - (o.status = 'final')::int AS final,
             n.label_count - o.label_count AS labels
      FROM new_rows n JOIN old_rows o ON o.id = n.id
      WHERE n.status <> o.status OR n.label_count <> o.label_count
    ) x GROUP BY 1, 2) a;
  RETURN NULL;
END $$;

CREATE TRIGGER pairs_counts_ins AFTER INSERT ON "pairs" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION loupe_pair_counts_ins();
CREATE TRIGGER pairs_counts_del AFTER DELETE ON "pairs" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION loupe_pair_counts_del();
CREATE TRIGGER pairs_counts_upd AFTER UPDATE ON "pairs" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION loupe_pair_counts_upd();

-- Backfill for databases that already hold pairs.
INSERT INTO project_counts (project_id, shard, open, labelled, in_review, final, labels)
SELECT project_id, (id % 16)::smallint,
       count(*) FILTER (WHERE status = 'open'), count(*) FILTER (WHERE status = 'labelled'),
       count(*) FILTER (WHERE status = 'in_review'), count(*) FILTER (WHERE status = 'final'),
       coalesce(sum(label_count), 0)
FROM pairs GROUP BY 1, 2;
