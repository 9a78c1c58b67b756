-- The verifier's scores on any declared scale, and its versions
-- (docs/decisions/014-verifier-scales-and-versions.md).
--
-- A project declares its score columns in projects.verifier_scales, a JSON array of
--   {"key", "label", "min", "max", "higherIsBetter", "keep"}   (keep: the threshold, null = not in the keep rule)
-- (lib/quality/scales.ts validates it). A pair's scores are a JSON object keyed by those keys. The keep
-- rule is "every declared threshold met". Its outcome is stored on the pair as one signed number, the
-- margin, on the normalised scale (each column's score mapped to 0-1, oriented so that higher is better):
--   kept     the smallest distance of any thresholded score above its threshold (>= 0)
--   dropped  minus the sum of the distances of the failing scores below their thresholds (< 0)
--   NULL     no thresholded column, or a thresholded score missing: no verdict from the scores
-- The queue's uncertainty, the consensus's verdict, calibration, filters and exports read it.
--
-- Every version's output is a row of pair_verifier_outputs (pair_id, version). The pair carries a copy
-- of the active version's output (projects.verifier_version; null: the pair's first output), written by
-- the importers with the pair and kept by the triggers below when outputs arrive later.
--
-- A definition file: the migration runner applies it whenever it changes, after the numbered
-- migrations (lib/db/definitions.ts; docs/decisions/010-database-rules-in-features.md).

-- The fixed-ScaleEdit signatures these replace.
DROP FUNCTION IF EXISTS loupe_queue_disagreement(smallint, smallint, smallint, boolean, text, text, text, real, real, text, smallint, smallint, smallint);
DROP FUNCTION IF EXISTS loupe_queue_uncertainty(smallint, smallint, smallint, boolean, smallint, smallint, smallint);
DROP FUNCTION IF EXISTS loupe_verifier_verdict(text, boolean, smallint, smallint, smallint, smallint, smallint, smallint);

CREATE OR REPLACE FUNCTION loupe_verifier_margin(scores jsonb, scales jsonb) RETURNS real LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  s jsonb;
  v real;
  d real;
  kept real;
  short real := 0;
  n int := 0;
BEGIN
  IF scores IS NULL OR scales IS NULL THEN RETURN NULL; END IF;
  FOR s IN SELECT e FROM jsonb_array_elements(scales) e LOOP
    CONTINUE WHEN jsonb_typeof(s->'keep') IS DISTINCT FROM 'number';
    IF jsonb_typeof(scores->(s->>'key')) IS DISTINCT FROM 'number' THEN RETURN NULL; END IF;
    v := (scores->>(s->>'key'))::real;
    d := (CASE WHEN (s->>'higherIsBetter')::boolean THEN v - (s->>'keep')::real ELSE (s->>'keep')::real - v END)
         / greatest((s->>'max')::real - (s->>'min')::real, 1e-9);
    n := n + 1;
    IF d >= 0 THEN kept := least(coalesce(kept, d), d); ELSE short := short - d; END IF;
  END LOOP;
  IF n = 0 THEN RETURN NULL; END IF;
  IF short > 0 THEN RETURN -short; END IF;
  RETURN kept;
END $$;

-- How far apart the thresholded scores are on the normalised scale (1: one at the best end, another
-- at the worst); NULL with fewer than two.
CREATE OR REPLACE FUNCTION loupe_verifier_spread(scores jsonb, scales jsonb) RETURNS real LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE
  s jsonb;
  x real;
  hi real;
  lo real;
  n int := 0;
BEGIN
  IF scores IS NULL OR scales IS NULL THEN RETURN NULL; END IF;
  FOR s IN SELECT e FROM jsonb_array_elements(scales) e LOOP
    CONTINUE WHEN jsonb_typeof(s->'keep') IS DISTINCT FROM 'number' OR jsonb_typeof(scores->(s->>'key')) IS DISTINCT FROM 'number';
    x := ((scores->>(s->>'key'))::real - (s->>'min')::real) / greatest((s->>'max')::real - (s->>'min')::real, 1e-9);
    IF NOT (s->>'higherIsBetter')::boolean THEN x := 1 - x; END IF;
    hi := greatest(coalesce(hi, x), x);
    lo := least(coalesce(lo, x), x);
    n := n + 1;
  END LOOP;
  IF n < 2 THEN RETURN NULL; END IF;
  RETURN hi - lo;
END $$;

-- The verifier's verdict on a pair under the project's verifier rule: the valid flag, the keep rule on
-- the scores (margin >= 0), either ('auto': the flag when present), or none ('off').
CREATE OR REPLACE FUNCTION loupe_verifier_verdict(rule text, valid boolean, margin real) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN rule = 'off' THEN NULL
    WHEN rule = 'valid_flag' THEN valid
    WHEN rule = 'scores' OR valid IS NULL THEN margin >= 0
    ELSE valid
  END
$$;

-- A pair inserted with a verifier output records it as that version's row. Pairs inserted with a
-- version that is not the project's active one keep no copy (the active version has not spoken).
CREATE OR REPLACE FUNCTION loupe_pair_outputs_ins() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  k text;
BEGIN
  -- The outputs' own trigger has nothing to copy back for these rows.
  k := set_config('loupe_verifier.copying', 'on', true);
  INSERT INTO pair_verifier_outputs (pair_id, version, scores, valid, failure_class, recaption)
  SELECT id, coalesce(model_version, ''), coalesce(verifier_scores, '{}'), verifier_valid, verifier_failure_class, verifier_recaption
  FROM new_rows
  WHERE verifier_scores IS NOT NULL OR verifier_valid IS NOT NULL OR verifier_failure_class IS NOT NULL
     OR verifier_recaption IS NOT NULL OR model_version IS NOT NULL
  ON CONFLICT (pair_id, version) DO NOTHING;
  k := set_config('loupe_verifier.copying', '', true);
  UPDATE pairs p SET verifier_scores = NULL, verifier_valid = NULL, verifier_failure_class = NULL, verifier_recaption = NULL,
                     model_version = NULL
  FROM new_rows n JOIN projects pr ON pr.id = n.project_id
  WHERE p.id = n.id AND pr.verifier_version IS NOT NULL AND n.model_version IS DISTINCT FROM pr.verifier_version
    AND (n.verifier_scores IS NOT NULL OR n.verifier_valid IS NOT NULL OR n.verifier_failure_class IS NOT NULL
         OR n.verifier_recaption IS NOT NULL OR n.model_version IS NOT NULL);
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER pairs_verifier_outputs AFTER INSERT ON pairs REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION loupe_pair_outputs_ins();

-- An output added or corrected later (a second version, a re-run): when it is the active version's
-- (or, with no active version named, the version the pair's copy already is, or the pair has none), the
-- pair's copy follows. The pair's margin and queue keys follow the copy (lib/queue/sql/queue-keys.sql).
CREATE OR REPLACE FUNCTION loupe_verifier_output_copy() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('loupe_verifier.copying', true) = 'on' THEN RETURN NULL; END IF;
  UPDATE pairs p SET verifier_scores = NEW.scores, verifier_valid = NEW.valid, verifier_failure_class = NEW.failure_class,
                     verifier_recaption = NEW.recaption, model_version = nullif(NEW.version, '')
  FROM projects pr
  WHERE p.id = NEW.pair_id AND pr.id = p.project_id
    AND (pr.verifier_version = NEW.version
         OR (pr.verifier_version IS NULL
             AND (coalesce(p.model_version, '') = NEW.version
                  OR (p.model_version IS NULL AND p.verifier_scores IS NULL AND p.verifier_valid IS NULL))))
    AND (p.verifier_scores IS DISTINCT FROM NEW.scores OR p.verifier_valid IS DISTINCT FROM NEW.valid
         OR p.verifier_failure_class IS DISTINCT FROM NEW.failure_class OR p.verifier_recaption IS DISTINCT FROM NEW.recaption
         OR p.model_version IS DISTINCT FROM nullif(NEW.version, ''));
  RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER pair_verifier_outputs_copy AFTER INSERT OR UPDATE ON pair_verifier_outputs
  FOR EACH ROW EXECUTE FUNCTION loupe_verifier_output_copy();
