-- Per-project counts of pairs by status and of labels (table project_counts), kept exact by
-- statement-level triggers on pairs, so progress and project lists never count(*) over the pairs.
-- Each project's counts are split over 16 shards (pair id % 16) so concurrent submits rarely wait on
-- the same counter row; readers sum the shards (lib/queue/progress.ts, lib/projects/queries.ts).
--
-- A definition file: the migration runner applies it whenever it changes, after the numbered
-- migrations (lib/db/definitions.ts; docs/decisions/010-database-rules-in-features.md).

-- Folds signed row images (+1 for new rows, -1 for old rows) into the counters.
CREATE OR REPLACE FUNCTION loupe_apply_pair_deltas(deltas jsonb) RETURNS void LANGUAGE sql AS $$
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

CREATE OR REPLACE FUNCTION loupe_pair_counts_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loupe_apply_pair_deltas(coalesce(jsonb_agg(row_to_json(a)), '[]'::jsonb)) FROM (
    SELECT project_id, (id % 16) AS shard,
           count(*) FILTER (WHERE status = 'open') AS open, count(*) FILTER (WHERE status = 'labelled') AS labelled,
           count(*) FILTER (WHERE status = 'in_review') AS in_review, count(*) FILTER (WHERE status = 'final') AS final,
           sum(label_count) AS labels
    FROM new_rows GROUP BY 1, 2) a;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION loupe_pair_counts_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loupe_apply_pair_deltas(coalesce(jsonb_agg(row_to_json(a)), '[]'::jsonb)) FROM (
    SELECT project_id, (id % 16) AS shard,
           -count(*) FILTER (WHERE status = 'open') AS open, -count(*) FILTER (WHERE status = 'labelled') AS labelled,
           -count(*) FILTER (WHERE status = 'in_review') AS in_review, -count(*) FILTER (WHERE status = 'final') AS final,
           -sum(label_count) AS labels
    FROM old_rows GROUP BY 1, 2) a;
  RETURN NULL;
END $$;

-- Fires for every UPDATE statement on pairs (column lists cannot be combined with transition tables).
-- It folds both transition tables without joining them: plpgsql plans its statements once per
-- connection, usually on a 1-row update, and a cached nested-loop join made large updates (the
-- overlap change, bulk settles) many times slower. Rows whose status and label_count did not change
-- cancel out in the sums and write nothing.
CREATE OR REPLACE FUNCTION loupe_pair_counts_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loupe_apply_pair_deltas(coalesce(jsonb_agg(row_to_json(a)), '[]'::jsonb)) FROM (
    SELECT project_id, shard, sum(open) AS open, sum(labelled) AS labelled, sum(in_review) AS in_review,
           sum(final) AS final, sum(labels) AS labels
    FROM (
      SELECT n.project_id, (n.id % 16) AS shard, (n.status = 'open')::int AS open, (n.status = 'labelled')::int AS labelled,
             (n.status = 'in_review')::int AS in_review, (n.status = 'final')::int AS final, n.label_count::int AS labels
      FROM new_rows n
      UNION ALL
      SELECT o.project_id, (o.id % 16), -(o.status = 'open')::int, -(o.status = 'labelled')::int,
             -(o.status = 'in_review')::int, -(o.status = 'final')::int, -o.label_count::int
      FROM old_rows o
    ) x
    GROUP BY 1, 2
    HAVING sum(open) <> 0 OR sum(labelled) <> 0 OR sum(in_review) <> 0 OR sum(final) <> 0 OR sum(labels) <> 0) a;
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER pairs_counts_ins AFTER INSERT ON "pairs" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION loupe_pair_counts_ins();
CREATE OR REPLACE TRIGGER pairs_counts_del AFTER DELETE ON "pairs" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION loupe_pair_counts_del();
CREATE OR REPLACE TRIGGER pairs_counts_upd AFTER UPDATE ON "pairs" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION loupe_pair_counts_upd();
