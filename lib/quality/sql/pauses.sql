-- Pausing: an annotator whose gold accuracy since their last lift falls under the project's
-- threshold, after its minimum number of checks, is paused by the label or skip that crossed the line,
-- in that statement's transaction (docs/decisions/007-quality-in-the-database.md). Lifting is
-- lib/quality/pauses.ts; the standings page reads loupe_gold_accuracy.
--
-- A definition file: the migration runner applies it whenever it changes, after the numbered
-- migrations (lib/db/definitions.ts; docs/decisions/010-database-rules-in-features.md).

-- Gold accuracy of one annotator in one project since their last lift, over active gold pairs. A
-- skipped gold pair counts as a miss: otherwise skipping whatever looks like a quality check would
-- dodge the rule. PARALLEL SAFE so the standings query that calls it may still run in parallel.
CREATE OR REPLACE FUNCTION loupe_gold_accuracy(p_project int, p_user int, OUT checks int, OUT correct int) LANGUAGE sql STABLE PARALLEL SAFE AS $$
  WITH since AS (
    SELECT coalesce((SELECT lifted_at FROM project_annotators pa
                     WHERE pa.project_id = p_project AND pa.user_id = p_user), '-infinity') AS t
  ), answered AS (
    SELECT count(*)::int AS n, (count(*) FILTER (WHERE b.gold_correct))::int AS ok
    FROM labels b JOIN pairs p ON p.id = b.pair_id
    WHERE b.project_id = p_project AND b.annotator_id = p_user AND b.gold_correct IS NOT NULL AND p.gold_active
      AND b.created_at > (SELECT t FROM since)
  ), skipped AS (
    SELECT count(*)::int AS n FROM skips s JOIN pairs p ON p.id = s.pair_id
    WHERE s.annotator_id = p_user AND p.project_id = p_project AND p.gold_active AND s.created_at > (SELECT t FROM since)
  )
  SELECT a.n + s.n, a.ok FROM answered a, skipped s
$$;

-- The pause rule: the gold accuracy is under the threshold after the minimum number of checks. The
-- standings page asks it too (lib/quality/standings.ts), so the page says what the trigger does.
CREATE OR REPLACE FUNCTION loupe_pause_due(checks int, correct int, min_count int, threshold real) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  -- In numeric: a REAL threshold such as 0.8 is 0.800000011… as a double, which would pause someone exactly at it.
  SELECT CASE WHEN checks < min_count THEN false ELSE correct::numeric / checks < threshold::numeric END
$$;

-- Pauses an annotator whose gold accuracy fell under the threshold after the minimum number of
-- checks; the audit row commits with the label that caused it.
CREATE OR REPLACE FUNCTION loupe_check_pause(p_project int, p_user int, cause jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  pr record;
  acc record;
  reason text;
  paused boolean;
BEGIN
  SELECT gold_min_count, gold_accuracy_threshold INTO pr FROM projects WHERE id = p_project;
  SELECT * INTO acc FROM loupe_gold_accuracy(p_project, p_user);
  IF NOT loupe_pause_due(acc.checks, acc.correct, pr.gold_min_count, pr.gold_accuracy_threshold) THEN RETURN; END IF;
  reason := format('Your answers on quality-check pairs were right %s of %s times (%s%%), under this project''s %s%% minimum.',
                   acc.correct, acc.checks, round(100.0 * acc.correct / acc.checks), round(100 * pr.gold_accuracy_threshold::numeric));
  -- Only the statement that actually pauses writes the audit row (two tabs may cross the line at once).
  INSERT INTO project_annotators AS pa (project_id, user_id, paused_at, pause_reason)
  VALUES (p_project, p_user, now(), reason)
  ON CONFLICT (project_id, user_id) DO UPDATE SET paused_at = now(), pause_reason = EXCLUDED.pause_reason
    WHERE pa.paused_at IS NULL
  RETURNING true INTO paused;
  IF NOT coalesce(paused, false) THEN RETURN; END IF;
  -- Their undecided leases end now so those pairs go back to the pool at the next claim's sweep.
  -- Not DELETE: that would lock other pairs while this statement holds a gold pair's lock. SKIP
  -- LOCKED: a lease someone else holds (an admin pausing by hand) is theirs to end; waiting for it
  -- here, holding the pair and the pause row, could deadlock.
  UPDATE leases SET expires_at = now() WHERE id IN (
    SELECT id FROM leases WHERE project_id = p_project AND annotator_id = p_user AND submitted_at IS NULL
    FOR UPDATE SKIP LOCKED);
  INSERT INTO audit_events (actor_id, action, subject_type, subject_id, data)
  VALUES (NULL, 'annotator.paused', 'user', p_user::text,
          jsonb_build_object('projectId', p_project, 'checks', acc.checks, 'correct', acc.correct,
                             'threshold', pr.gold_accuracy_threshold) || cause);
END $$;

CREATE OR REPLACE FUNCTION loupe_label_pause() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loupe_check_pause(NEW.project_id, NEW.annotator_id, jsonb_build_object('labelId', NEW.id::text));
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER labels_pause AFTER INSERT ON labels FOR EACH ROW WHEN (NEW.gold_correct IS NOT NULL)
  EXECUTE FUNCTION loupe_label_pause();

CREATE OR REPLACE FUNCTION loupe_skip_pause() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p record;
BEGIN
  SELECT project_id, gold_active INTO p FROM pairs WHERE id = NEW.pair_id;
  IF p.gold_active THEN
    PERFORM loupe_check_pause(p.project_id, NEW.annotator_id, jsonb_build_object('skippedPairId', NEW.pair_id::text));
  END IF;
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER skips_pause AFTER INSERT ON skips FOR EACH ROW EXECUTE FUNCTION loupe_skip_pause();
