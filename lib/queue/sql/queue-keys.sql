-- Queue order keys (lib/queue/order.ts): each order has a per-pair key, set by a BEFORE INSERT
-- trigger so every insert path (imports, the pipeline API, seeding, tests) gets it, and a partial index
-- over open work in that key's order (prisma/migrations/20261201010000_queue_order). The keys that
-- read the project's keep rule (uncertainty, disagreement) are recomputed for open pairs when the keep
-- rule or the verifier rule changes (lib/queue/order-keys.ts).
--
-- A definition file: the migration runner applies it whenever it changes, after the numbered
-- migrations (lib/db/definitions.ts; docs/decisions/010-database-rules-in-features.md).

-- A stratum is the task and subtask together: subtasks are named within their task, and a dataset
-- with tasks only (ScaleEdit's edit_task) is stratified by task.
CREATE OR REPLACE FUNCTION loupe_queue_stratum(task text, subtask text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(task, '') || chr(31) || coalesce(subtask, '')
$$;

-- Uncertainty: how close the pair is to flipping the keep rule, on the normalised scale (each declared
-- column's score mapped to 0-1, lib/quality/sql/verifier.sql): a kept pair's smallest distance above a
-- threshold, a dropped pair's summed distances below them. -1 when the pair's valid flag says the
-- opposite of its scores: the verifier disagrees with itself, served first. NULL without a margin (a
-- thresholded score missing, or no threshold declared): those pairs come after every scored pair, in
-- import order.
CREATE OR REPLACE FUNCTION loupe_queue_uncertainty(margin real, valid boolean) RETURNS real LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN margin IS NULL THEN NULL
    WHEN valid IS NOT NULL AND valid <> (margin >= 0) THEN -1::real
    ELSE abs(margin)
  END
$$;

-- Share of distinct words two texts have in common (Jaccard over lower-cased alphanumeric words):
-- 1 = same words, 0 = none shared. Cheap enough for an insert trigger, unlike loupe_text_distance.
CREATE OR REPLACE FUNCTION loupe_word_overlap(a text, b text) RETURNS real LANGUAGE sql IMMUTABLE AS $$
  WITH x AS (SELECT DISTINCT w FROM regexp_split_to_table(lower(coalesce(a, '')), '[^[:alnum:]]+') w WHERE w <> ''),
       y AS (SELECT DISTINCT w FROM regexp_split_to_table(lower(coalesce(b, '')), '[^[:alnum:]]+') w WHERE w <> ''),
       u AS (SELECT w FROM x UNION SELECT w FROM y)
  SELECT CASE WHEN NOT EXISTS (SELECT 1 FROM u) THEN 1
              ELSE (SELECT count(*) FROM x JOIN y USING (w))::real / (SELECT count(*) FROM u) END
$$;

-- Likely human–verifier disagreement, a heuristic: points for what a pair carries that people tend
-- to judge differently from the verifier. The verdict is the project's verifier rule ('off' reads
-- as 'auto': the valid flag when present, else the keep rule on the scores).
--   +4  the verifier keeps it but under 1% of the pixels changed         (people: "no visible edit")
--   +3  the verifier calls it "no edit" but at least 5% of the pixels changed
--   +3  the valid flag and the keep rule on the scores say opposite things
--   +2  the verifier keeps it but its own re-caption shares under a third of the instruction's words
--   +2  the verifier keeps it but over 5% of the area outside the mask changed
--   +1  the scores contradict each other (thresholded scores at least 3/4 of the scale apart: on 1-3,
--       one is 3 and another 1)
-- Served by points, highest first; pairs with none (0) follow in import order. It is a guess from
-- the pair's own signals, to be checked against the labels people give, not a measured probability.
CREATE OR REPLACE FUNCTION loupe_queue_disagreement(
  margin real, spread real, valid boolean, failure_class text, recaption text, instruction text,
  change_fraction real, change_outside_mask real, rule text) RETURNS smallint LANGUAGE sql IMMUTABLE AS $$
  -- One expression with no FROM, so the planner inlines it into the trigger's and the recompute's
  -- expressions (a function with a FROM clause runs its own executor per call, on every insert).
  SELECT (
      CASE WHEN change_fraction < 0.01 AND coalesce(loupe_verifier_verdict(CASE WHEN rule = 'off' THEN 'auto' ELSE rule END,
                  valid, margin), false) THEN 4 ELSE 0 END
    + CASE WHEN failure_class IS NOT NULL AND change_fraction >= 0.05
                AND lower(regexp_replace(failure_class, '[^[:alnum:]]+', '', 'g')) IN ('noedit', 'nochange', 'unchanged')
           THEN 3 ELSE 0 END
    + CASE WHEN valid <> (margin >= 0) THEN 3 ELSE 0 END
    + CASE WHEN btrim(coalesce(recaption, '')) <> ''
                AND coalesce(loupe_verifier_verdict(CASE WHEN rule = 'off' THEN 'auto' ELSE rule END, valid, margin), false)
           -- Nested so the word overlap (a query of its own) only runs for the pairs that need it.
           THEN CASE WHEN loupe_word_overlap(recaption, instruction) < 1.0 / 3 THEN 2 ELSE 0 END ELSE 0 END
    + CASE WHEN change_outside_mask > 0.05 AND coalesce(loupe_verifier_verdict(CASE WHEN rule = 'off' THEN 'auto' ELSE rule END,
                  valid, margin), false) THEN 2 ELSE 0 END
    + CASE WHEN spread >= 0.75 THEN 1 ELSE 0 END
  )::smallint
$$;

-- The insert trigger. The project row is read FOR KEY SHARE, the lock the pair's foreign key takes
-- anyway: a keep-rule change locks the row FOR UPDATE first (lib/quality/settings.ts), so it waits
-- for inserts in flight to commit, and inserts that start after it wait for it and read the new rule.
-- Its recompute, which starts after the change commits, therefore sees every pair whose keys were
-- computed under the old rule.
--
-- Two per-transaction caches keep the per-row cost down, both in transaction-local settings
-- (set_config(…, true): gone at commit or rollback, never shared between connections):
-- - the project's rule, read (and locked) once per transaction instead of once per row. The lock is
--   held to the end of the transaction, so no other transaction can change the rule under the cached
--   copy;
-- - the running rank of each stratum. Counting in queue_strata row by row would update one counter
--   row thousands of times per import batch; the statement trigger below writes the highest rank back
--   once per statement and stratum. Two transactions inserting into one stratum at once may hand out
--   the same ranks, and a row that ON CONFLICT DO NOTHING drops leaves a gap; ties are served by id,
--   so either way the order stays a round robin.
CREATE OR REPLACE FUNCTION loupe_pair_queue_keys() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  k text;
  rule text;
  scales jsonb;
  v_rank integer;
BEGIN
  -- Setting names must be identifiers: 'loupe_queue.rule_p<project>', 'loupe_queue.scales_p<project>',
  -- 'loupe_queue.p<project>_<md5 of stratum>'.
  k := 'loupe_queue.rule_p' || NEW.project_id;
  rule := nullif(current_setting(k, true), '');
  IF rule IS NULL THEN
    SELECT pr.verifier_rule, pr.verifier_scales INTO rule, scales FROM projects pr WHERE pr.id = NEW.project_id FOR KEY SHARE;
    -- Assignments, not PERFORM: a simple expression skips the executor (PERFORM is a query).
    k := set_config(k, rule, true);
    k := set_config('loupe_queue.scales_p' || NEW.project_id, scales::text, true);
  ELSE
    scales := current_setting('loupe_queue.scales_p' || NEW.project_id)::jsonb;
  END IF;
  -- Every pair, gold included, has its margin (calibration reads gold pairs on request).
  NEW.verifier_margin := loupe_verifier_margin(NEW.verifier_scores, scales);
  IF NEW.is_gold THEN RETURN NEW; END IF;
  NEW.queue_uncertainty := loupe_queue_uncertainty(NEW.verifier_margin, NEW.verifier_valid);
  NEW.queue_disagreement := loupe_queue_disagreement(NEW.verifier_margin, loupe_verifier_spread(NEW.verifier_scores, scales),
    NEW.verifier_valid, NEW.verifier_failure_class, NEW.verifier_recaption, NEW.instruction,
    NEW.change_fraction, NEW.change_outside_mask, rule);
  k := 'loupe_queue.p' || NEW.project_id || '_' || md5(loupe_queue_stratum(NEW.task, NEW.subtask));
  v_rank := nullif(current_setting(k, true), '')::integer;
  IF v_rank IS NULL THEN
    SELECT s.last_rank INTO v_rank FROM queue_strata s
    WHERE s.project_id = NEW.project_id AND s.stratum = loupe_queue_stratum(NEW.task, NEW.subtask);
  END IF;
  NEW.queue_stratum_rank := coalesce(v_rank, 0) + 1;
  k := set_config(k, NEW.queue_stratum_rank::text, true);
  RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER pairs_queue_keys BEFORE INSERT ON pairs FOR EACH ROW EXECUTE FUNCTION loupe_pair_queue_keys();

-- The copy of the active verifier output changed (an output arrived later, the active version
-- switched): the margin follows, and so do an open pair's keys. Reads the project's current rule.
-- The settings recompute's batches set the margin and keys in the same statement, once per distinct set
-- of scores, and say so (loupe_queue.keys_given, transaction-local; lib/queue/order-keys.ts).
CREATE OR REPLACE FUNCTION loupe_pair_verifier_keys() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  rule text;
  scales jsonb;
BEGIN
  IF current_setting('loupe_queue.keys_given', true) = 'on' THEN RETURN NEW; END IF;
  SELECT pr.verifier_rule, pr.verifier_scales INTO rule, scales FROM projects pr WHERE pr.id = NEW.project_id;
  NEW.verifier_margin := loupe_verifier_margin(NEW.verifier_scores, scales);
  IF NOT NEW.is_gold AND NEW.status = 'open' THEN
    NEW.queue_uncertainty := loupe_queue_uncertainty(NEW.verifier_margin, NEW.verifier_valid);
    NEW.queue_disagreement := loupe_queue_disagreement(NEW.verifier_margin, loupe_verifier_spread(NEW.verifier_scores, scales),
      NEW.verifier_valid, NEW.verifier_failure_class, NEW.verifier_recaption, NEW.instruction,
      NEW.change_fraction, NEW.change_outside_mask, rule);
  END IF;
  RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER pairs_verifier_keys BEFORE UPDATE OF verifier_scores, verifier_valid, verifier_failure_class, verifier_recaption ON pairs
  FOR EACH ROW WHEN (OLD.verifier_scores IS DISTINCT FROM NEW.verifier_scores OR OLD.verifier_valid IS DISTINCT FROM NEW.verifier_valid
                     OR OLD.verifier_failure_class IS DISTINCT FROM NEW.verifier_failure_class
                     OR OLD.verifier_recaption IS DISTINCT FROM NEW.verifier_recaption)
  EXECUTE FUNCTION loupe_pair_verifier_keys();

-- Ordered by stratum so two imports into one project lock the counter rows in the same order.
CREATE OR REPLACE FUNCTION loupe_queue_strata_ins() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO queue_strata AS s (project_id, stratum, last_rank)
  SELECT project_id, loupe_queue_stratum(task, subtask), max(queue_stratum_rank)
  FROM new_rows WHERE NOT is_gold GROUP BY 1, 2 ORDER BY 1, 2
  ON CONFLICT (project_id, stratum) DO UPDATE SET last_rank = greatest(s.last_rank, EXCLUDED.last_rank);
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER pairs_queue_strata AFTER INSERT ON pairs REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION loupe_queue_strata_ins();
