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

-- Uncertainty: how many one-point score changes would flip the keep rule (IF ≥ min ∧ EC ≥ min ∧
-- GQ ≥ min). A kept pair flips when any one score drops below its minimum: 1 + the smallest margin
-- (1–3). A dropped pair flips when every failing score rises to its minimum: the sum of the
-- shortfalls (1–6). 0 when the pair's valid flag says the opposite of its scores: the verifier
-- disagrees with itself. NULL without all three scores: there is no margin to measure (a lone valid
-- flag has none, and vs_overall has no threshold in Loupe to be near), so those pairs come after
-- every scored pair, in import order.
CREATE OR REPLACE FUNCTION loupe_queue_uncertainty(
  s_if smallint, s_ec smallint, s_gq smallint, valid boolean,
  min_if smallint, min_ec smallint, min_gq smallint) RETURNS smallint LANGUAGE sql IMMUTABLE AS $$
  SELECT (CASE
    WHEN s_if IS NULL OR s_ec IS NULL OR s_gq IS NULL THEN NULL
    WHEN valid IS NOT NULL AND valid <> (s_if >= min_if AND s_ec >= min_ec AND s_gq >= min_gq) THEN 0
    WHEN s_if >= min_if AND s_ec >= min_ec AND s_gq >= min_gq THEN 1 + least(s_if - min_if, s_ec - min_ec, s_gq - min_gq)
    ELSE greatest(min_if - s_if, 0) + greatest(min_ec - s_ec, 0) + greatest(min_gq - s_gq, 0)
  END)::smallint
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
--   +1  the scores contradict each other (one is 3, another 1)
-- Served by points, highest first; pairs with none (0) follow in import order. It is a guess from
-- the pair's own signals, to be checked against the labels people give, not a measured probability.
CREATE OR REPLACE FUNCTION loupe_queue_disagreement(
  s_if smallint, s_ec smallint, s_gq smallint, valid boolean, failure_class text, recaption text, instruction text,
  change_fraction real, change_outside_mask real,
  rule text, min_if smallint, min_ec smallint, min_gq smallint) RETURNS smallint LANGUAGE sql IMMUTABLE AS $$
  -- One expression with no FROM, so the planner inlines it into the trigger's and the recompute's
  -- expressions (a function with a FROM clause runs its own executor per call, on every insert).
  SELECT (
      CASE WHEN change_fraction < 0.01 AND coalesce(loupe_verifier_verdict(CASE WHEN rule = 'off' THEN 'auto' ELSE rule END,
                  valid, s_if, s_ec, s_gq, min_if, min_ec, min_gq), false) THEN 4 ELSE 0 END
    + CASE WHEN failure_class IS NOT NULL AND change_fraction >= 0.05
                AND lower(regexp_replace(failure_class, '[^[:alnum:]]+', '', 'g')) IN ('noedit', 'nochange', 'unchanged')
           THEN 3 ELSE 0 END
    + CASE WHEN valid <> (s_if >= min_if AND s_ec >= min_ec AND s_gq >= min_gq) THEN 3 ELSE 0 END
    + CASE WHEN btrim(coalesce(recaption, '')) <> ''
                AND coalesce(loupe_verifier_verdict(CASE WHEN rule = 'off' THEN 'auto' ELSE rule END,
                      valid, s_if, s_ec, s_gq, min_if, min_ec, min_gq), false)
           -- Nested so the word overlap (a query of its own) only runs for the pairs that need it.
           THEN CASE WHEN loupe_word_overlap(recaption, instruction) < 1.0 / 3 THEN 2 ELSE 0 END ELSE 0 END
    + CASE WHEN change_outside_mask > 0.05 AND coalesce(loupe_verifier_verdict(CASE WHEN rule = 'off' THEN 'auto' ELSE rule END,
                  valid, s_if, s_ec, s_gq, min_if, min_ec, min_gq), false) THEN 2 ELSE 0 END
    + CASE WHEN greatest(s_if, s_ec, s_gq) - least(s_if, s_ec, s_gq) >= 2 THEN 1 ELSE 0 END
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
  rule text[];
  v_rank integer;
BEGIN
  IF NEW.is_gold THEN RETURN NEW; END IF;
  -- Setting names must be identifiers: 'loupe_queue.rule_p<project>', 'loupe_queue.p<project>_<md5 of stratum>'.
  k := 'loupe_queue.rule_p' || NEW.project_id;
  rule := string_to_array(nullif(current_setting(k, true), ''), ',');
  IF rule IS NULL THEN
    SELECT ARRAY[keep_min_if::text, keep_min_ec::text, keep_min_gq::text, verifier_rule] INTO rule
      FROM projects WHERE id = NEW.project_id FOR KEY SHARE;
    -- Assignments, not PERFORM: a simple expression skips the executor (PERFORM is a query).
    k := set_config(k, array_to_string(rule, ','), true);
  END IF;
  NEW.queue_uncertainty := loupe_queue_uncertainty(NEW.vs_instruction_following, NEW.vs_editing_consistency,
    NEW.vs_generation_quality, NEW.verifier_valid, rule[1]::smallint, rule[2]::smallint, rule[3]::smallint);
  NEW.queue_disagreement := loupe_queue_disagreement(NEW.vs_instruction_following, NEW.vs_editing_consistency,
    NEW.vs_generation_quality, NEW.verifier_valid, NEW.verifier_failure_class, NEW.verifier_recaption, NEW.instruction,
    NEW.change_fraction, NEW.change_outside_mask, rule[4], rule[1]::smallint, rule[2]::smallint, rule[3]::smallint);
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
