-- Quality control (issue 4): project quality settings, gold pairs, consensus and routing to review,
-- adjudication, annotator pauses. Consensus, gold scoring and pausing run inside the label triggers,
-- so they commit in the same transaction as the label whatever path inserted it (API, seeding,
-- tests) and no process memory or follow-up job is needed (docs/decisions/007-quality-in-the-database.md).

-- 1. Project settings.
ALTER TABLE projects
  ADD COLUMN gold_rate REAL NOT NULL DEFAULT 0,
  ADD COLUMN gold_min_count INTEGER NOT NULL DEFAULT 10,
  ADD COLUMN gold_accuracy_threshold REAL NOT NULL DEFAULT 0.7,
  ADD COLUMN gold_recaption_threshold REAL NOT NULL DEFAULT 0.25,
  ADD COLUMN recaption_disagreement_threshold REAL NOT NULL DEFAULT 0.35,
  ADD COLUMN verifier_rule TEXT NOT NULL DEFAULT 'auto',
  ADD COLUMN keep_min_if SMALLINT NOT NULL DEFAULT 3,
  ADD COLUMN keep_min_ec SMALLINT NOT NULL DEFAULT 2,
  ADD COLUMN keep_min_gq SMALLINT NOT NULL DEFAULT 2,
  ADD CONSTRAINT projects_quality_check CHECK (
    gold_rate BETWEEN 0 AND 0.5
    AND gold_min_count BETWEEN 1 AND 10000
    AND gold_accuracy_threshold BETWEEN 0 AND 1
    AND gold_recaption_threshold BETWEEN 0 AND 1
    AND recaption_disagreement_threshold BETWEEN 0 AND 1
    AND verifier_rule IN ('auto', 'valid_flag', 'scores', 'off')
    AND keep_min_if BETWEEN 1 AND 3 AND keep_min_ec BETWEEN 1 AND 3 AND keep_min_gq BETWEEN 1 AND 3);

-- 2. Gold, consensus, routing and adjudication on pairs.
ALTER TABLE pairs
  -- A gold pair has a known answer. It is never regular work (it stays out of the open-work index)
  -- and any number of annotators may label it, so `taken` may pass `wanted` for gold pairs only.
  -- `gold_active` false retires it: no longer served, no longer scored.
  ADD COLUMN is_gold BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN gold_active BOOLEAN NOT NULL DEFAULT false,
  ADD COLUMN gold_decision "Decision",
  ADD COLUMN gold_reasons TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
  ADD COLUMN gold_instruction TEXT,
  ADD COLUMN final_decision "Decision",
  ADD COLUMN final_instruction TEXT,
  ADD COLUMN final_reasons TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
  ADD COLUMN final_source TEXT,
  ADD COLUMN finalized_at TIMESTAMPTZ(3),
  -- Share of the pair's labels that agree with its majority decision, set when it settles.
  ADD COLUMN agreement REAL,
  -- Why it went to review: 'decision' | 'recaption' | 'verifier'.
  ADD COLUMN review_reasons TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
  ADD COLUMN routed_at TIMESTAMPTZ(3),
  ADD COLUMN review_claimed_by INTEGER,
  ADD COLUMN review_claimed_until TIMESTAMPTZ(3),
  ADD COLUMN reviewed_by INTEGER,
  ADD COLUMN reviewed_at TIMESTAMPTZ(3),
  ADD COLUMN review_note TEXT,
  ADD COLUMN review_submission_id UUID;

ALTER TABLE pairs DROP CONSTRAINT pairs_taken_check;
ALTER TABLE pairs ADD CONSTRAINT pairs_taken_check CHECK ("taken" >= 0 AND ("taken" <= "wanted" OR "is_gold"));
ALTER TABLE pairs ADD CONSTRAINT pairs_gold_check CHECK (
  (NOT gold_active OR is_gold) AND (NOT is_gold OR (gold_decision IS NOT NULL AND status = 'final')));
ALTER TABLE pairs ADD CONSTRAINT pairs_final_check CHECK (
  (status = 'final') = (final_decision IS NOT NULL)
  AND (final_source IS NULL OR final_source IN ('consensus', 'review', 'gold')));
ALTER TABLE pairs ADD CONSTRAINT pairs_review_claimed_by_fkey FOREIGN KEY (review_claimed_by) REFERENCES users(id) ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE pairs ADD CONSTRAINT pairs_reviewed_by_fkey FOREIGN KEY (reviewed_by) REFERENCES users(id) ON DELETE SET NULL ON UPDATE CASCADE;

-- Regular work excludes gold; the claim's WHERE repeats `NOT is_gold` so the planner can use it.
DROP INDEX pairs_open_work_idx;
CREATE INDEX pairs_open_work_idx ON pairs (project_id, id) WHERE taken < wanted AND NOT is_gold;
CREATE INDEX pairs_gold_idx ON pairs (project_id, id) WHERE gold_active;
-- Active and retired gold, for the admin's gold list (lib/quality/gold.ts).
CREATE INDEX pairs_is_gold_idx ON pairs (project_id, id) WHERE is_gold;
CREATE INDEX pairs_review_idx ON pairs (project_id, id) WHERE status = 'in_review';

-- 3. Labels remember whether they passed a gold check (NULL: not a gold check).
ALTER TABLE labels ADD COLUMN gold_correct BOOLEAN;
CREATE INDEX labels_gold_idx ON labels (project_id, annotator_id, created_at) WHERE gold_correct IS NOT NULL;

-- 4. Per project and annotator: the pause and its lift. Gold accuracy counts gold checks made after
--    the last lift, so a lifted annotator gets a fresh minimum before the rule applies again.
CREATE TABLE project_annotators (
  project_id   INTEGER NOT NULL REFERENCES projects(id) ON DELETE CASCADE ON UPDATE CASCADE,
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE ON UPDATE CASCADE,
  paused_at    TIMESTAMPTZ(3),
  pause_reason TEXT,
  lifted_at    TIMESTAMPTZ(3),
  lifted_by    INTEGER REFERENCES users(id) ON DELETE SET NULL ON UPDATE CASCADE,
  PRIMARY KEY (project_id, user_id)
);

-- The audit log page (lib/audit/queries.ts) pages newest first by id within an actor or an action:
-- index those orders instead of (…, created_at), which made a busy annotator's filter sort all of
-- their rows for every page. Same number of indexes, so label inserts (one audit row each) pay nothing more.
DROP INDEX audit_events_actor_id_created_at_idx;
DROP INDEX audit_events_action_created_at_idx;
CREATE INDEX audit_events_actor_id_id_idx ON audit_events (actor_id, id);
CREATE INDEX audit_events_action_id_idx ON audit_events (action, id);

-- 5. Text distance: Levenshtein over characters after normalising case, spaces and final
--    punctuation, divided by the longer length (0 = same, 1 = nothing shared). Long texts
--    (over 40,000 character cells) are compared word by word instead, on their first 200 words,
--    to bound the cost (plpgsql: ~10 ms for two 100-character instructions on PGlite).
CREATE FUNCTION loupe_normalize_text(t text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT regexp_replace(btrim(regexp_replace(lower(coalesce(t, '')), '\s+', ' ', 'g')), '[.!。]+$', '')
$$;

CREATE FUNCTION loupe_text_distance(a text, b text) RETURNS real LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  na text := loupe_normalize_text(a);
  nb text := loupe_normalize_text(b);
  s text[];
  t text[];
  m int;
  n int;
  prev int[];
  cur int[];
  i int;
  j int;
BEGIN
  IF na = nb THEN RETURN 0; END IF;
  IF na = '' OR nb = '' THEN RETURN 1; END IF;
  IF length(na)::bigint * length(nb) > 40000 THEN
    s := (regexp_split_to_array(na, ' '))[1:200];
    t := (regexp_split_to_array(nb, ' '))[1:200];
  ELSE
    s := regexp_split_to_array(na, '');
    t := regexp_split_to_array(nb, '');
  END IF;
  m := array_length(s, 1);
  n := array_length(t, 1);
  prev := array(SELECT generate_series(0, n));
  FOR i IN 1..m LOOP
    cur := array_fill(0, ARRAY[n + 1]);
    cur[1] := i;
    FOR j IN 1..n LOOP
      cur[j + 1] := least(prev[j + 1] + 1, cur[j] + 1, prev[j] + CASE WHEN s[i] = t[j] THEN 0 ELSE 1 END);
    END LOOP;
    prev := cur;
  END LOOP;
  RETURN prev[n + 1]::real / greatest(m, n);
END $$;

-- 6. Gold scoring: the decision must match; a reject must name at least one expected reason (when
--    any are given); a re-caption must be within the project's distance of the reference (when given).
CREATE FUNCTION loupe_gold_correct(
  g_decision "Decision", g_reasons text[], g_instruction text,
  decision "Decision", reasons text[], recaption text, threshold real) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT decision = g_decision
    AND (decision <> 'reject' OR cardinality(g_reasons) = 0 OR reasons && g_reasons)
    AND (decision <> 'recaption' OR g_instruction IS NULL OR loupe_text_distance(recaption, g_instruction) < threshold)
$$;

CREATE FUNCTION loupe_label_gold() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  g record;
BEGIN
  -- Locked before it is read: an admin editing the gold answer holds this lock, so the label is
  -- scored against the answer as committed, never against the one being replaced. labels_taken
  -- takes the same lock next, and it does not conflict with the foreign key's KEY SHARE.
  SELECT p.gold_active, p.gold_decision, p.gold_reasons, p.gold_instruction, pr.gold_recaption_threshold AS threshold
    INTO g FROM pairs p JOIN projects pr ON pr.id = p.project_id WHERE p.id = NEW.pair_id
    FOR NO KEY UPDATE OF p;
  IF g.gold_active THEN
    NEW.gold_correct := loupe_gold_correct(g.gold_decision, g.gold_reasons, g.gold_instruction,
                                           NEW.decision, NEW.reasons, NEW.recaption, g.threshold);
  ELSE
    NEW.gold_correct := NULL;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER labels_gold BEFORE INSERT ON labels FOR EACH ROW EXECUTE FUNCTION loupe_label_gold();

-- Gold accuracy of one annotator in one project since their last lift, over active gold pairs. A
-- skipped gold pair counts as a miss: otherwise skipping whatever looks like a quality check would
-- dodge the rule. PARALLEL SAFE so the standings query that calls it may still run in parallel.
CREATE FUNCTION loupe_gold_accuracy(p_project int, p_user int, OUT checks int, OUT correct int) LANGUAGE sql STABLE PARALLEL SAFE AS $$
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

-- Pauses an annotator whose gold accuracy fell under the threshold after the minimum number of
-- checks; the audit row commits with the label that caused it.
CREATE FUNCTION loupe_check_pause(p_project int, p_user int, cause jsonb) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  pr record;
  acc record;
  reason text;
  paused boolean;
BEGIN
  SELECT gold_min_count, gold_accuracy_threshold INTO pr FROM projects WHERE id = p_project;
  SELECT * INTO acc FROM loupe_gold_accuracy(p_project, p_user);
  IF acc.checks < pr.gold_min_count OR acc.correct::real / acc.checks >= pr.gold_accuracy_threshold THEN RETURN; END IF;
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

CREATE FUNCTION loupe_label_pause() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM loupe_check_pause(NEW.project_id, NEW.annotator_id, jsonb_build_object('labelId', NEW.id::text));
  RETURN NULL;
END $$;
CREATE TRIGGER labels_pause AFTER INSERT ON labels FOR EACH ROW WHEN (NEW.gold_correct IS NOT NULL)
  EXECUTE FUNCTION loupe_label_pause();

CREATE FUNCTION loupe_skip_pause() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p record;
BEGIN
  SELECT project_id, gold_active INTO p FROM pairs WHERE id = NEW.pair_id;
  IF p.gold_active THEN
    PERFORM loupe_check_pause(p.project_id, NEW.annotator_id, jsonb_build_object('skippedPairId', NEW.pair_id::text));
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER skips_pause AFTER INSERT ON skips FOR EACH ROW EXECUTE FUNCTION loupe_skip_pause();

-- 7. The verifier's verdict on a pair under the project's keep rule: the valid flag, the ScaleEdit
--    scores (IF >= min ∧ EC >= min ∧ GQ >= min), either ('auto': the flag when present), or none.
CREATE FUNCTION loupe_verifier_verdict(
  rule text, valid boolean, s_if smallint, s_ec smallint, s_gq smallint,
  min_if smallint, min_ec smallint, min_gq smallint) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN rule = 'off' THEN NULL
    WHEN rule = 'valid_flag' THEN valid
    WHEN rule = 'scores' OR valid IS NULL THEN
      CASE WHEN s_if IS NULL OR s_ec IS NULL OR s_gq IS NULL THEN NULL
           ELSE s_if >= min_if AND s_ec >= min_ec AND s_gq >= min_gq END
    ELSE valid
  END
$$;

-- 8. Consensus once a pair has all its labels. The pair is final at once unless the annotators
--    disagree on the decision, all re-captioned but differ beyond the project's threshold, or the
--    majority contradicts the verifier (accept = valid; reject and re-caption = not valid as
--    instructed); then it goes to review with the reasons. Called with the pair row locked.
CREATE FUNCTION loupe_settle_pair(p_id bigint, d_taken int DEFAULT 0, d_labels int DEFAULT 0) RETURNS void LANGUAGE plpgsql AS $$
-- d_taken / d_labels: the label trigger's own increments of taken and label_count, folded into the
-- one UPDATE that settles the pair, so a completing submit writes the pair row (and fires the
-- counts trigger) once instead of twice.
DECLARE
  p record;
  n int;
  kinds int;
  first_decision "Decision";
  top_decision "Decision";
  top_count int;
  majority "Decision";
  routes text[] := ARRAY[]::text[];
  spread real;
  verdict boolean;
  chosen text;
  kept text[] := ARRAY[]::text[];
BEGIN
  SELECT q.is_gold, q.instruction, q.verifier_valid, q.vs_instruction_following, q.vs_editing_consistency,
         q.vs_generation_quality, pr.recaption_disagreement_threshold, pr.verifier_rule,
         pr.keep_min_if, pr.keep_min_ec, pr.keep_min_gq
    INTO p FROM pairs q JOIN projects pr ON pr.id = q.project_id WHERE q.id = p_id;
  SELECT count(*)::int, count(DISTINCT decision)::int, (array_agg(decision))[1]
    INTO n, kinds, first_decision FROM labels WHERE pair_id = p_id;
  IF p.is_gold OR n = 0 THEN
    IF d_taken <> 0 OR d_labels <> 0 THEN
      UPDATE pairs SET taken = taken + d_taken, label_count = label_count + d_labels WHERE id = p_id;
    END IF;
    RETURN;
  END IF;
  IF kinds = 1 THEN
    top_decision := first_decision;
    top_count := n;
  ELSE
    SELECT decision, count(*) INTO top_decision, top_count FROM labels WHERE pair_id = p_id
      GROUP BY decision ORDER BY count(*) DESC, decision LIMIT 1;
    routes := routes || 'decision'::text;
  END IF;
  IF top_count * 2 > n THEN majority := top_decision; END IF;
  IF kinds = 1 AND top_decision = 'recaption' AND n > 1 THEN
    SELECT max(loupe_text_distance(a.recaption, b.recaption)) INTO spread
    FROM labels a JOIN labels b ON b.pair_id = a.pair_id AND b.id > a.id WHERE a.pair_id = p_id;
    IF spread > p.recaption_disagreement_threshold THEN routes := routes || 'recaption'::text; END IF;
  END IF;
  verdict := loupe_verifier_verdict(p.verifier_rule, p.verifier_valid, p.vs_instruction_following,
    p.vs_editing_consistency, p.vs_generation_quality, p.keep_min_if, p.keep_min_ec, p.keep_min_gq);
  IF verdict IS NOT NULL AND majority IS NOT NULL AND (majority = 'accept') <> verdict THEN
    routes := routes || 'verifier'::text;
  END IF;
  IF cardinality(routes) > 0 THEN
    UPDATE pairs SET taken = taken + d_taken, label_count = label_count + d_labels,
                     status = 'in_review', review_reasons = routes, routed_at = now(), agreement = top_count::real / n
    WHERE id = p_id;
    RETURN;
  END IF;
  -- Final at once. A re-caption consensus takes the re-caption closest to the others (the first
  -- submitted on a tie); a reject keeps the reasons at least half the annotators gave.
  IF top_decision = 'recaption' THEN
    SELECT a.recaption INTO chosen FROM labels a LEFT JOIN labels b ON b.pair_id = a.pair_id AND b.id <> a.id
    WHERE a.pair_id = p_id GROUP BY a.id, a.recaption
    ORDER BY coalesce(sum(loupe_text_distance(a.recaption, b.recaption)), 0), a.id LIMIT 1;
  ELSE
    chosen := p.instruction;
  END IF;
  IF top_decision = 'reject' THEN
    SELECT coalesce(array_agg(x.r ORDER BY x.r), ARRAY[]::text[]) INTO kept FROM (
      SELECT u.r FROM labels b, unnest(b.reasons) u(r) WHERE b.pair_id = p_id GROUP BY u.r HAVING count(*) * 2 >= n) x;
  END IF;
  UPDATE pairs SET taken = taken + d_taken, label_count = label_count + d_labels,
                   status = 'final', final_decision = top_decision, final_instruction = chosen, final_reasons = kept,
                   final_source = 'consensus', finalized_at = now(), agreement = 1, review_reasons = ARRAY[]::text[]
  WHERE id = p_id;
END $$;

-- 9. The label trigger settles a pair when its last wanted label arrives, and an undone label re-opens
--    a pair that consensus had settled (a reviewed or gold pair is never re-opened; undo refuses those).
CREATE OR REPLACE FUNCTION loupe_label_taken() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p record;
  d_taken int;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT status, label_count, wanted, is_gold INTO p FROM pairs WHERE id = NEW.pair_id FOR NO KEY UPDATE;
    d_taken := CASE WHEN EXISTS (SELECT 1 FROM leases WHERE pair_id = NEW.pair_id AND annotator_id = NEW.annotator_id) THEN 0 ELSE 1 END;
    IF p.status = 'open' AND p.label_count + 1 >= p.wanted AND NOT p.is_gold THEN
      -- The last wanted label: settle, with the counters, in one write of the pair row.
      PERFORM loupe_settle_pair(NEW.pair_id, d_taken, 1);
    ELSE
      UPDATE pairs SET taken = taken + d_taken, label_count = label_count + 1 WHERE id = NEW.pair_id;
    END IF;
    RETURN NEW;
  ELSE
    PERFORM 1 FROM pairs WHERE id = OLD.pair_id FOR NO KEY UPDATE;
    UPDATE pairs SET
      taken = taken - CASE WHEN EXISTS (SELECT 1 FROM leases WHERE pair_id = OLD.pair_id AND annotator_id = OLD.annotator_id) THEN 0 ELSE 1 END,
      label_count = label_count - 1,
      status = CASE WHEN status = 'labelled' OR (NOT is_gold AND reviewed_at IS NULL AND status IN ('final', 'in_review'))
                    THEN 'open'::"PairStatus" ELSE status END,
      final_decision = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN NULL ELSE final_decision END,
      final_instruction = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN NULL ELSE final_instruction END,
      final_reasons = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN ARRAY[]::text[] ELSE final_reasons END,
      final_source = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN NULL ELSE final_source END,
      finalized_at = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN NULL ELSE finalized_at END,
      agreement = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN NULL ELSE agreement END,
      review_reasons = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN ARRAY[]::text[] ELSE review_reasons END,
      routed_at = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN NULL ELSE routed_at END,
      review_claimed_by = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN NULL ELSE review_claimed_by END,
      review_claimed_until = CASE WHEN NOT is_gold AND reviewed_at IS NULL THEN NULL ELSE review_claimed_until END
    WHERE id = OLD.pair_id;
    RETURN OLD;
  END IF;
END $$;

-- 10. The counts trigger for UPDATE folds both transition tables without joining them. plpgsql plans
--     its statements once per connection, usually on a 1-row update, and that cached nested-loop join
--     made a 5,000-row UPDATE (the overlap change, bulk settles) take 3.4 s on a server instead of
--     ~50 ms. Rows whose status and label_count did not change cancel out in the sums.
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

-- Pairs that already had all their labels before this migration settle now.
SELECT loupe_settle_pair(id) FROM pairs WHERE status = 'labelled';
