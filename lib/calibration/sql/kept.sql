-- The calibration page's kept figures (docs/decisions/031-calibration-kept.md; tables and the recount in
-- migration 20261206148000_calibration_kept). A final pair counts in calibration_scopes once and in
-- calibration_bins once per numeric score; when it becomes final, stops being final, or changes while
-- final in anything those rows record (outcome, gold, task, subtask, valid flag, the keep verdict's side,
-- its scores), its old rows are subtracted and its new ones added, as signed rows appended to the *_delta
-- tables (decision 026: no shared row is locked by a settle).

-- A score rounded to 3 significant digits (lib/calibration/queries.ts says why). Symmetric: the bin of -x
-- is minus the bin of x, so a lower-is-better column is oriented by negating. Inlined where it is called.
CREATE OR REPLACE FUNCTION loupe_score_bin(o float8) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN o = 0 THEN 0::float8
              ELSE round(o * power(10::float8, 2 - floor(log(abs(o))))) / power(10::float8, 2 - floor(log(abs(o)))) END
$$;

-- plpgsql, for its cached plans (see lib/quality/sql/aggregates.sql).
CREATE OR REPLACE FUNCTION loupe_calibration_scope_add(p pairs, sign int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO calibration_scopes_delta (project_id, task, subtask, is_gold, valid, keep, accepted, pairs)
  VALUES (p.project_id, p.task, p.subtask, p.is_gold, p.verifier_valid, p.verifier_margin >= 0, p.final_decision = 'accept', sign);
END $$;

CREATE OR REPLACE FUNCTION loupe_calibration_bins_add(p pairs, sign int) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO calibration_bins_delta (project_id, task, subtask, is_gold, accepted, key, bin, lo, hi, pairs)
  SELECT p.project_id, p.task, p.subtask, p.is_gold, p.final_decision = 'accept', e.key, loupe_score_bin(s.v), s.v, s.v, sign
  FROM jsonb_each(CASE WHEN jsonb_typeof(p.verifier_scores) = 'object' THEN p.verifier_scores ELSE '{}'::jsonb END) e
  CROSS JOIN LATERAL (SELECT (p.verifier_scores->>e.key)::float8 AS v) s
  WHERE jsonb_typeof(e.value) = 'number';
END $$;

-- Row level with a WHEN, so only a pair entering, leaving or changing while final calls it: not the
-- claim's updates of taken, nor a settings recompute's margin that stays on the same side of zero.
CREATE OR REPLACE FUNCTION loupe_pair_calibration_upd() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  bins boolean := (OLD.status, OLD.final_decision, OLD.is_gold, OLD.task, OLD.subtask, OLD.verifier_scores)
                  IS DISTINCT FROM (NEW.status, NEW.final_decision, NEW.is_gold, NEW.task, NEW.subtask, NEW.verifier_scores);
BEGIN
  IF OLD.status = 'final' THEN
    PERFORM loupe_calibration_scope_add(OLD, -1);
    IF bins THEN PERFORM loupe_calibration_bins_add(OLD, -1); END IF;
  END IF;
  IF NEW.status = 'final' THEN
    PERFORM loupe_calibration_scope_add(NEW, 1);
    IF bins THEN PERFORM loupe_calibration_bins_add(NEW, 1); END IF;
  END IF;
  RETURN NULL;
END $$;

-- Pairs inserted final (a batch per statement) and deleted (a project's purge, a batch per statement):
-- grouped, one delta row per group.
CREATE OR REPLACE FUNCTION loupe_pair_calibration_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO calibration_scopes_delta (project_id, task, subtask, is_gold, valid, keep, accepted, pairs)
  SELECT project_id, task, subtask, is_gold, verifier_valid, verifier_margin >= 0, final_decision = 'accept', count(*)
  FROM new_rows WHERE status = 'final' GROUP BY 1, 2, 3, 4, 5, 6, 7;
  INSERT INTO calibration_bins_delta (project_id, task, subtask, is_gold, accepted, key, bin, lo, hi, pairs)
  SELECT project_id, task, subtask, is_gold, accepted, key, loupe_score_bin(v), min(v), max(v), count(*)
  FROM (SELECT n.project_id, n.task, n.subtask, n.is_gold, n.final_decision = 'accept' AS accepted, e.key, (n.verifier_scores->>e.key)::float8 AS v
        FROM new_rows n
        CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(n.verifier_scores) = 'object' THEN n.verifier_scores ELSE '{}'::jsonb END) e
        WHERE n.status = 'final' AND jsonb_typeof(e.value) = 'number') f
  GROUP BY 1, 2, 3, 4, 5, 6, 7;
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION loupe_pair_calibration_del() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO calibration_scopes_delta (project_id, task, subtask, is_gold, valid, keep, accepted, pairs)
  SELECT o.project_id, o.task, o.subtask, o.is_gold, o.verifier_valid, o.verifier_margin >= 0, o.final_decision = 'accept', -count(*)
  FROM old_rows o WHERE o.status = 'final' AND EXISTS (SELECT 1 FROM projects pr WHERE pr.id = o.project_id)
  GROUP BY 1, 2, 3, 4, 5, 6, 7;
  INSERT INTO calibration_bins_delta (project_id, task, subtask, is_gold, accepted, key, bin, lo, hi, pairs)
  SELECT project_id, task, subtask, is_gold, accepted, key, loupe_score_bin(v), min(v), max(v), -count(*)
  FROM (SELECT o.project_id, o.task, o.subtask, o.is_gold, o.final_decision = 'accept' AS accepted, e.key, (o.verifier_scores->>e.key)::float8 AS v
        FROM old_rows o
        CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(o.verifier_scores) = 'object' THEN o.verifier_scores ELSE '{}'::jsonb END) e
        WHERE o.status = 'final' AND jsonb_typeof(e.value) = 'number' AND EXISTS (SELECT 1 FROM projects pr WHERE pr.id = o.project_id)) f
  GROUP BY 1, 2, 3, 4, 5, 6, 7;
  RETURN NULL;
END $$;

CREATE OR REPLACE TRIGGER pairs_calibration_upd AFTER UPDATE ON "pairs" FOR EACH ROW
  WHEN ((OLD.status = 'final' OR NEW.status = 'final')
        AND (OLD.status, OLD.final_decision, OLD.is_gold, OLD.task, OLD.subtask, OLD.verifier_valid, OLD.verifier_margin >= 0, OLD.verifier_scores)
            IS DISTINCT FROM (NEW.status, NEW.final_decision, NEW.is_gold, NEW.task, NEW.subtask, NEW.verifier_valid, NEW.verifier_margin >= 0, NEW.verifier_scores))
  EXECUTE FUNCTION loupe_pair_calibration_upd();
CREATE OR REPLACE TRIGGER pairs_calibration_ins AFTER INSERT ON "pairs" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION loupe_pair_calibration_ins();
CREATE OR REPLACE TRIGGER pairs_calibration_del AFTER DELETE ON "pairs" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION loupe_pair_calibration_del();

-- One project's calibration figures rebuilt from its final pairs, as the migration's backfill built them:
-- the hook bench/lib/pages-seed.ts calls (every loupe_recount_* function) after writing pairs with triggers
-- off, or a repair by hand.
CREATE OR REPLACE FUNCTION loupe_recount_calibration(pid integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM calibration_scopes WHERE project_id = pid;
  DELETE FROM calibration_scopes_delta WHERE project_id = pid;
  DELETE FROM calibration_bins WHERE project_id = pid;
  DELETE FROM calibration_bins_delta WHERE project_id = pid;

  INSERT INTO calibration_scopes (project_id, task, subtask, is_gold, valid, keep, accepted, pairs)
  SELECT project_id, task, subtask, is_gold, verifier_valid, verifier_margin >= 0, final_decision = 'accept', count(*)
  FROM pairs WHERE project_id = pid AND status = 'final'
  GROUP BY 1, 2, 3, 4, 5, 6, 7;

  INSERT INTO calibration_bins (project_id, task, subtask, is_gold, accepted, key, bin, lo, hi, pairs)
  SELECT project_id, task, subtask, is_gold, accepted, key, loupe_score_bin(s), min(s), max(s), count(*)
  FROM (
    SELECT p.project_id, p.task, p.subtask, p.is_gold, p.final_decision = 'accept' AS accepted, e.key, (p.verifier_scores->>e.key)::float8 AS s
    FROM pairs p
    CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(p.verifier_scores) = 'object' THEN p.verifier_scores ELSE '{}'::jsonb END) e
    WHERE p.project_id = pid AND p.status = 'final' AND jsonb_typeof(e.value) = 'number'
    OFFSET 0
  ) f
  GROUP BY 1, 2, 3, 4, 5, 6, 7;
END
$$;
