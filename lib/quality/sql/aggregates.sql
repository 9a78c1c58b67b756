-- Kept figures (docs/decisions/026-kept-figures.md): the tables of migration 20261206143000_aggregates,
-- moved by triggers in the transaction that changes a label, a pair or an adjudication, so every path
-- (submit, undo, settle, adjudication, gold promote/edit/retire, import, reopen, settings) keeps them
-- exact. test/db/aggregates-recount.test.ts recounts each from scratch after a random history.
--
-- Labels are only inserted and deleted (undo), apart from gold_correct (a gold answer's edit re-scores
-- them); a label's decision and reasons never change in place.
--
-- A definition file: the migration runner applies it whenever it changes, after the numbered
-- migrations (lib/db/definitions.ts; docs/decisions/010-database-rules-in-features.md).

-- A label's reason set as one sortable text (codes are lower_snake_case: chr(31) cannot occur in them).
CREATE OR REPLACE FUNCTION loupe_reason_set(reasons text[]) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN cardinality(reasons) > 0 THEN array_to_string(ARRAY(SELECT r FROM unnest(reasons) r ORDER BY r), chr(31)) END
$$;

-- Every figure is appended to its *_delta table (no row lock, so no waits or deadlocks between submits,
-- nor between one annotator's two tabs); readers add the deltas to the kept rows (lib/quality/kept.ts).
-- The helpers the row triggers call are plpgsql, not SQL functions: plpgsql keeps its statements' plans for
-- the session, where an SQL function called from a trigger plans its body again on every call.
CREATE OR REPLACE FUNCTION loupe_shape_add(p_project int, p_pair bigint, p_task text, p_subtask text,
                                           p_x int, p_y int, p_z int, p_sets text[], p_units int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO agreement_shapes_delta (project_id, shard, task, subtask, x, y, z, sets, units)
  VALUES (p_project, (p_pair % 16)::smallint, p_task, p_subtask, p_x, p_y, p_z, p_sets, p_units);
END $$;

-- One label's share of its annotator's totals, given its pair's state; sign +1 adds it, -1 takes it away.
CREATE OR REPLACE FUNCTION loupe_totals_add(p_project int, p_annotator int, p_labels int, sign int,
                                            status "PairStatus", is_gold boolean, gold_active boolean, final_decision "Decision",
                                            decision "Decision", gold_correct boolean) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO annotator_totals_delta (project_id, annotator_id, labels, open_labels, final_labels, agreeing, gold_checks, gold_correct)
  VALUES (p_project, p_annotator, p_labels,
          sign * (status IN ('open', 'labelled'))::int,
          sign * (status = 'final' AND NOT is_gold)::int,
          sign * (status = 'final' AND NOT is_gold AND decision = final_decision)::int,
          sign * (gold_correct IS NOT NULL AND gold_active)::int,
          sign * coalesce(gold_correct AND gold_active, false)::int);
END $$;

-- Insert or delete of one label. Named to run before labels_taken (AFTER triggers run in name order): the
-- label is counted against its pair as it was, and the settle or re-open labels_taken then writes moves
-- it with the pair's other labels (loupe_pair_aggregates_upd).
CREATE OR REPLACE FUNCTION loupe_label_aggregates() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  l labels%ROWTYPE;
  sign int;
  p record;
  c record;
  rs text;
BEGIN
  IF TG_OP = 'INSERT' THEN l := NEW; sign := 1; ELSE l := OLD; sign := -1; END IF;
  SELECT status, is_gold, gold_active, final_decision, task, subtask INTO p FROM pairs WHERE id = l.pair_id;
  -- Deleted with its pair (a project's deletion): the pair's figures go with it.
  IF NOT FOUND THEN RETURN NULL; END IF;
  PERFORM loupe_totals_add(l.project_id, l.annotator_id, sign, sign, p.status, p.is_gold, p.gold_active, p.final_decision,
                           l.decision, l.gold_correct);
  INSERT INTO label_hours_delta (project_id, annotator_id, hour, labels)
  VALUES (l.project_id, l.annotator_id, date_trunc('hour', l.created_at AT TIME ZONE 'UTC'), sign);
  -- Contingency cells with every other label of the pair, smaller annotator id first.
  INSERT INTO agreement_cells_delta (project_id, a_id, b_id, da, db, n)
  SELECT l.project_id, least(l.annotator_id, o.annotator_id), greatest(l.annotator_id, o.annotator_id),
         CASE WHEN l.annotator_id < o.annotator_id THEN l.decision ELSE o.decision END,
         CASE WHEN l.annotator_id < o.annotator_id THEN o.decision ELSE l.decision END, sign
  FROM labels o WHERE o.pair_id = l.pair_id AND o.id <> l.id;
  -- The pair's composition without this label, and with it: one unit moves from one shape to the other.
  SELECT count(*) FILTER (WHERE o.decision = 'accept')::int AS x, count(*) FILTER (WHERE o.decision = 'reject')::int AS y,
         count(*) FILTER (WHERE o.decision = 'recaption')::int AS z,
         coalesce(array_agg(loupe_reason_set(o.reasons)) FILTER (WHERE cardinality(o.reasons) > 0), '{}') AS sets
    INTO c FROM labels o WHERE o.pair_id = l.pair_id AND o.id <> l.id;
  rs := loupe_reason_set(l.reasons);
  IF c.x + c.y + c.z > 0 THEN
    PERFORM loupe_shape_add(l.project_id, l.pair_id, p.task, p.subtask, c.x, c.y, c.z,
                            ARRAY(SELECT s FROM unnest(c.sets) s ORDER BY s), -sign);
  END IF;
  PERFORM loupe_shape_add(l.project_id, l.pair_id, p.task, p.subtask,
                          c.x + (l.decision = 'accept')::int, c.y + (l.decision = 'reject')::int, c.z + (l.decision = 'recaption')::int,
                          ARRAY(SELECT s FROM unnest(c.sets || rs) s WHERE s IS NOT NULL ORDER BY s), sign);
  RETURN NULL;
END $$;

-- A gold answer's edit re-scores the pair's labels.
CREATE OR REPLACE FUNCTION loupe_label_aggregates_gold() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p record;
BEGIN
  SELECT status, is_gold, gold_active, final_decision INTO p FROM pairs WHERE id = NEW.pair_id;
  PERFORM loupe_totals_add(NEW.project_id, NEW.annotator_id, 0, -1, p.status, p.is_gold, p.gold_active, p.final_decision,
                           OLD.decision, OLD.gold_correct);
  PERFORM loupe_totals_add(NEW.project_id, NEW.annotator_id, 0, 1, p.status, p.is_gold, p.gold_active, p.final_decision,
                           NEW.decision, NEW.gold_correct);
  RETURN NULL;
END $$;

-- The Gold page's suspect rule (lib/quality/gold.ts GOLD_FLAG_MIN_CHECKS; the recount test holds them equal).
CREATE OR REPLACE FUNCTION loupe_gold_suspect(checks int, correct int) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT checks >= 3 AND correct * 2 < checks
$$;

-- A statement changed the scored labels of these gold pairs by these net amounts: the project's checks,
-- correct answers and suspect pairs move. A pair's state after the statement is read from its labels and
-- the state before is that minus the net change, so several labels of one pair in one statement (a gold
-- answer's edit re-scores them all) count once. Pairs already deleted (a purge) take their figures along.
CREATE OR REPLACE FUNCTION loupe_gold_summary_apply(pair_ids bigint[], d_checks int[], d_correct int[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO gold_summary_delta (project_id, checks, correct, suspect)
  SELECT p.project_id, sum(d.dc), sum(d.dk),
         sum(loupe_gold_suspect(a.checks, a.correct)::int - loupe_gold_suspect(a.checks - d.dc, a.correct - d.dk)::int)
  FROM unnest(pair_ids, d_checks, d_correct) AS d(pair_id, dc, dk)
  JOIN pairs p ON p.id = d.pair_id
  CROSS JOIN LATERAL (SELECT count(*)::int AS checks, (count(*) FILTER (WHERE b.gold_correct))::int AS correct
                      FROM labels b WHERE b.pair_id = d.pair_id AND b.gold_correct IS NOT NULL) a
  GROUP BY p.project_id;
END $$;

CREATE OR REPLACE FUNCTION loupe_gold_summary_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loupe_gold_summary_apply(array_agg(pair_id), array_agg(n), array_agg(k))
  FROM (SELECT pair_id, count(*)::int AS n, (count(*) FILTER (WHERE gold_correct))::int AS k
        FROM new_rows WHERE gold_correct IS NOT NULL GROUP BY pair_id) x
  HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION loupe_gold_summary_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loupe_gold_summary_apply(array_agg(pair_id), array_agg(-n), array_agg(-k))
  FROM (SELECT pair_id, count(*)::int AS n, (count(*) FILTER (WHERE gold_correct))::int AS k
        FROM old_rows WHERE gold_correct IS NOT NULL GROUP BY pair_id) x
  HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION loupe_gold_summary_upd() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loupe_gold_summary_apply(array_agg(pair_id), array_agg(n), array_agg(k))
  FROM (SELECT nr.pair_id,
               sum((nr.gold_correct IS NOT NULL)::int - (o.gold_correct IS NOT NULL)::int)::int AS n,
               sum(coalesce(nr.gold_correct, false)::int - coalesce(o.gold_correct, false)::int)::int AS k
        FROM new_rows nr JOIN old_rows o ON o.id = nr.id
        WHERE nr.gold_correct IS DISTINCT FROM o.gold_correct GROUP BY nr.pair_id) x
  HAVING count(*) > 0;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION loupe_tally_add(rows jsonb) RETURNS void LANGUAGE sql AS $$
  INSERT INTO pair_tallies_delta (project_id, shard, status, task, subtask, final_decision, is_gold, gold_active, review_reasons, pairs)
  SELECT (d->>'project_id')::int, (d->>'shard')::smallint, (d->>'status')::"PairStatus", d->>'task', d->>'subtask',
         (d->>'final_decision')::"Decision", (d->>'is_gold')::boolean, (d->>'gold_active')::boolean,
         ARRAY(SELECT jsonb_array_elements_text(d->'review_reasons')), (d->>'pairs')::bigint
  FROM jsonb_array_elements(rows) d
$$;

-- Imports insert pairs a batch per statement: one fold per statement. Open pairs are not tallied
-- (project_counts has them).
CREATE OR REPLACE FUNCTION loupe_pair_aggregates_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loupe_tally_add(coalesce(jsonb_agg(row_to_json(a)), '[]'::jsonb)) FROM (
    SELECT project_id, (id % 16) AS shard, status, task, subtask, final_decision, is_gold, gold_active, review_reasons, count(*) AS pairs
    FROM new_rows WHERE status IN ('in_review', 'final') GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9) a;
  RETURN NULL;
END $$;

-- Pairs deleted with their project leave nothing to keep (and the project's rows go by cascade).
CREATE OR REPLACE FUNCTION loupe_pair_aggregates_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loupe_tally_add(coalesce(jsonb_agg(row_to_json(a)), '[]'::jsonb)) FROM (
    SELECT o.project_id, (o.id % 16) AS shard, o.status, o.task, o.subtask, o.final_decision, o.is_gold, o.gold_active, o.review_reasons,
           -count(*) AS pairs
    FROM old_rows o WHERE o.status IN ('in_review', 'final') AND EXISTS (SELECT 1 FROM projects pr WHERE pr.id = o.project_id)
    GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9) a;
  RETURN NULL;
END $$;

-- A pair whose outcome, gold state, routing or scope changed: its tally moves, and so does each of its
-- labels' share of its annotator's totals (and its composition, if its task or subtask changed). Row
-- level with a WHEN, so the claim's and lease's updates of taken never call it.
CREATE OR REPLACE FUNCTION loupe_pair_aggregates_upd() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  b record;
  c record;
BEGIN
  IF OLD.status IN ('in_review', 'final') THEN
    INSERT INTO pair_tallies_delta (project_id, shard, status, task, subtask, final_decision, is_gold, gold_active, review_reasons, pairs)
    VALUES (OLD.project_id, (OLD.id % 16)::smallint, OLD.status, OLD.task, OLD.subtask, OLD.final_decision, OLD.is_gold, OLD.gold_active,
            OLD.review_reasons, -1);
  END IF;
  IF NEW.status IN ('in_review', 'final') THEN
    INSERT INTO pair_tallies_delta (project_id, shard, status, task, subtask, final_decision, is_gold, gold_active, review_reasons, pairs)
    VALUES (NEW.project_id, (NEW.id % 16)::smallint, NEW.status, NEW.task, NEW.subtask, NEW.final_decision, NEW.is_gold, NEW.gold_active,
            NEW.review_reasons, 1);
  END IF;
  IF (OLD.status, OLD.is_gold, OLD.gold_active, OLD.final_decision) IS DISTINCT FROM (NEW.status, NEW.is_gold, NEW.gold_active, NEW.final_decision) THEN
    FOR b IN SELECT project_id, annotator_id, decision, gold_correct FROM labels WHERE pair_id = NEW.id ORDER BY annotator_id LOOP
      PERFORM loupe_totals_add(b.project_id, b.annotator_id, 0, -1, OLD.status, OLD.is_gold, OLD.gold_active, OLD.final_decision,
                               b.decision, b.gold_correct);
      PERFORM loupe_totals_add(b.project_id, b.annotator_id, 0, 1, NEW.status, NEW.is_gold, NEW.gold_active, NEW.final_decision,
                               b.decision, b.gold_correct);
    END LOOP;
  END IF;
  IF (OLD.task, OLD.subtask) IS DISTINCT FROM (NEW.task, NEW.subtask) THEN
    SELECT count(*) FILTER (WHERE o.decision = 'accept')::int AS x, count(*) FILTER (WHERE o.decision = 'reject')::int AS y,
           count(*) FILTER (WHERE o.decision = 'recaption')::int AS z,
           coalesce(array_agg(loupe_reason_set(o.reasons) ORDER BY loupe_reason_set(o.reasons))
                    FILTER (WHERE cardinality(o.reasons) > 0), '{}') AS sets
      INTO c FROM labels o WHERE o.pair_id = NEW.id;
    IF c.x + c.y + c.z > 0 THEN
      PERFORM loupe_shape_add(OLD.project_id, OLD.id, OLD.task, OLD.subtask, c.x, c.y, c.z, c.sets, -1);
      PERFORM loupe_shape_add(NEW.project_id, NEW.id, NEW.task, NEW.subtask, c.x, c.y, c.z, c.sets, 1);
    END IF;
  END IF;
  RETURN NULL;
END $$;

-- Adjudications per day, as the review.adjudicate audit rows record them.
CREATE OR REPLACE FUNCTION loupe_adjudication_day() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO quality_days_delta (project_id, day, adjudications)
  SELECT p.project_id, (NEW.created_at AT TIME ZONE 'UTC')::date, 1
  FROM pairs p WHERE NEW.subject_id ~ '^[0-9]{1,18}$' AND p.id = NEW.subject_id::bigint;
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER labels_aggregates AFTER INSERT OR DELETE ON "labels" FOR EACH ROW EXECUTE FUNCTION loupe_label_aggregates();
CREATE OR REPLACE TRIGGER labels_aggregates_gold AFTER UPDATE OF gold_correct ON "labels" FOR EACH ROW
  WHEN (OLD.gold_correct IS DISTINCT FROM NEW.gold_correct) EXECUTE FUNCTION loupe_label_aggregates_gold();
-- Statement level, so a statement's several labels of one gold pair move its suspect state once.
CREATE OR REPLACE TRIGGER labels_gold_summary_ins AFTER INSERT ON "labels" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION loupe_gold_summary_ins();
CREATE OR REPLACE TRIGGER labels_gold_summary_del AFTER DELETE ON "labels" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION loupe_gold_summary_del();
CREATE OR REPLACE TRIGGER labels_gold_summary_upd AFTER UPDATE ON "labels" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION loupe_gold_summary_upd();
CREATE OR REPLACE TRIGGER pairs_aggregates_ins AFTER INSERT ON "pairs" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION loupe_pair_aggregates_ins();
CREATE OR REPLACE TRIGGER pairs_aggregates_del AFTER DELETE ON "pairs" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION loupe_pair_aggregates_del();
CREATE OR REPLACE TRIGGER pairs_aggregates_upd AFTER UPDATE ON "pairs" FOR EACH ROW
  WHEN ((OLD.status, OLD.is_gold, OLD.gold_active, OLD.final_decision, OLD.review_reasons, OLD.task, OLD.subtask)
        IS DISTINCT FROM (NEW.status, NEW.is_gold, NEW.gold_active, NEW.final_decision, NEW.review_reasons, NEW.task, NEW.subtask))
  EXECUTE FUNCTION loupe_pair_aggregates_upd();
CREATE OR REPLACE TRIGGER audit_events_adjudication_day AFTER INSERT ON "audit_events" FOR EACH ROW
  WHEN (NEW.action = 'review.adjudicate' AND NEW.subject_type = 'pair') EXECUTE FUNCTION loupe_adjudication_day();

-- Every kept figure of one project rebuilt from its labels, pairs and adjudications, as the migration's
-- backfill builds them: for rows written with the triggers off (bench/lib/pages-seed.ts seeds millions of
-- labels that way and calls every loupe_recount_* function after), or to repair a project by hand.
CREATE OR REPLACE FUNCTION loupe_recount_aggregates(pid integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM annotator_totals WHERE project_id = pid;
  DELETE FROM annotator_totals_delta WHERE project_id = pid;
  DELETE FROM label_hours WHERE project_id = pid;
  DELETE FROM label_hours_delta WHERE project_id = pid;
  DELETE FROM quality_days WHERE project_id = pid;
  DELETE FROM quality_days_delta WHERE project_id = pid;
  DELETE FROM agreement_shapes WHERE project_id = pid;
  DELETE FROM agreement_shapes_delta WHERE project_id = pid;
  DELETE FROM agreement_cells WHERE project_id = pid;
  DELETE FROM agreement_cells_delta WHERE project_id = pid;
  DELETE FROM pair_tallies WHERE project_id = pid;
  DELETE FROM pair_tallies_delta WHERE project_id = pid;
  DELETE FROM gold_summary WHERE project_id = pid;
  DELETE FROM gold_summary_delta WHERE project_id = pid;

  INSERT INTO gold_summary (project_id, checks, correct, suspect)
  SELECT project_id, sum(checks), sum(correct), count(*) FILTER (WHERE loupe_gold_suspect(checks, correct))
  FROM (SELECT project_id, pair_id, count(*)::int AS checks, (count(*) FILTER (WHERE gold_correct))::int AS correct
        FROM labels WHERE project_id = pid AND gold_correct IS NOT NULL GROUP BY 1, 2) g
  GROUP BY 1;

  INSERT INTO annotator_totals (project_id, annotator_id, labels, open_labels, final_labels, agreeing, gold_checks, gold_correct)
  SELECT b.project_id, b.annotator_id, count(*),
         count(*) FILTER (WHERE p.status IN ('open', 'labelled')),
         count(*) FILTER (WHERE p.status = 'final' AND NOT p.is_gold),
         count(*) FILTER (WHERE p.status = 'final' AND NOT p.is_gold AND b.decision = p.final_decision),
         count(*) FILTER (WHERE b.gold_correct IS NOT NULL AND p.gold_active),
         count(*) FILTER (WHERE b.gold_correct AND p.gold_active)
  FROM labels b JOIN pairs p ON p.id = b.pair_id
  WHERE b.project_id = pid
  GROUP BY 1, 2;

  INSERT INTO label_hours (project_id, annotator_id, hour, labels)
  SELECT project_id, annotator_id, date_trunc('hour', created_at AT TIME ZONE 'UTC'), count(*)
  FROM labels WHERE project_id = pid GROUP BY 1, 2, 3;

  INSERT INTO quality_days (project_id, day, adjudications)
  SELECT p.project_id, (e.created_at AT TIME ZONE 'UTC')::date, count(*)
  FROM audit_events e JOIN pairs p ON p.id = (CASE WHEN e.subject_id ~ '^[0-9]{1,18}$' THEN e.subject_id::bigint END)
  WHERE e.action = 'review.adjudicate' AND e.subject_type = 'pair' AND p.project_id = pid
  GROUP BY 1, 2;

  INSERT INTO agreement_shapes (project_id, shard, task, subtask, x, y, z, sets, units)
  SELECT p.project_id, (p.id % 16)::smallint, p.task, p.subtask, c.x, c.y, c.z, c.sets, count(*)
  FROM (
    SELECT pair_id,
           count(*) FILTER (WHERE decision = 'accept')::int AS x,
           count(*) FILTER (WHERE decision = 'reject')::int AS y,
           count(*) FILTER (WHERE decision = 'recaption')::int AS z,
           coalesce(array_agg(rs ORDER BY rs) FILTER (WHERE rs IS NOT NULL), '{}') AS sets
    FROM (SELECT pair_id, decision, loupe_reason_set(reasons) AS rs FROM labels WHERE project_id = pid) l
    GROUP BY pair_id
  ) c JOIN pairs p ON p.id = c.pair_id
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;

  INSERT INTO agreement_cells (project_id, a_id, b_id, da, db, n)
  SELECT a.project_id, a.annotator_id, b.annotator_id, a.decision, b.decision, count(*)
  FROM labels a JOIN labels b ON b.pair_id = a.pair_id AND b.annotator_id > a.annotator_id
  WHERE a.project_id = pid
  GROUP BY 1, 2, 3, 4, 5;

  INSERT INTO pair_tallies (project_id, shard, status, task, subtask, final_decision, is_gold, gold_active, review_reasons, pairs)
  SELECT project_id, (id % 16)::smallint, status, task, subtask, final_decision, is_gold, gold_active, review_reasons, count(*)
  FROM pairs WHERE project_id = pid AND status IN ('in_review', 'final')
  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9;
END
$$;
