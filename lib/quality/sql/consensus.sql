-- Consensus: what a pair's labels decide once it has all of them, and when it needs a reviewer
-- (docs/decisions/007-quality-in-the-database.md). The label trigger (lib/queue/sql/taken.sql) calls
-- loupe_settle_pair in the submit's own statement; the review page words the reasons it stored
-- (lib/review/explain.ts).
--
-- A definition file: the migration runner applies it whenever it changes, after the numbered
-- migrations (lib/db/definitions.ts; docs/decisions/010-database-rules-in-features.md).

-- The verifier's verdict (loupe_verifier_verdict) is in lib/quality/sql/verifier.sql.

-- Consensus once a pair has all its labels. The pair is final at once unless the annotators disagree
-- on the decision, all re-captioned but differ beyond the project's threshold, or the majority
-- contradicts the verifier (accept = valid; reject and re-caption = not valid as instructed); then it
-- goes to review with the reasons. Called with the pair row locked.
CREATE OR REPLACE FUNCTION loupe_settle_pair(p_id bigint, d_taken int DEFAULT 0, d_labels int DEFAULT 0) RETURNS void LANGUAGE plpgsql AS $$
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
  -- The verdict from the project's rule as it is now, not from the pair's kept margin: after a change of
  -- the keep rule or the active version the kept copies are recomputed in the background
  -- (lib/quality/recompute.ts), and a pair settled before the run reaches it must not use the old one.
  SELECT q.is_gold, q.instruction, pr.recaption_disagreement_threshold, pr.verifier_rule,
         CASE WHEN v.stale THEN o.valid ELSE q.verifier_valid END AS verifier_valid,
         loupe_verifier_margin(CASE WHEN v.stale THEN o.scores ELSE q.verifier_scores END, pr.verifier_scales) AS verifier_margin
    INTO p FROM pairs q JOIN projects pr ON pr.id = q.project_id
    CROSS JOIN LATERAL (SELECT pr.verifier_version IS NOT NULL AND q.model_version IS DISTINCT FROM pr.verifier_version AS stale) v
    LEFT JOIN pair_verifier_outputs o ON v.stale AND o.pair_id = q.id AND o.version = pr.verifier_version
    WHERE q.id = p_id;
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
  verdict := loupe_verifier_verdict(p.verifier_rule, p.verifier_valid, p.verifier_margin);
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
