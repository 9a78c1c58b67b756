-- Gold scoring: a label on an active gold pair is scored as it is inserted (labels.gold_correct), so
-- accuracy and pauses (lib/quality/sql/pauses.sql) read stored answers. lib/quality/gold.ts re-scores
-- a pair's labels with the same function when an admin corrects its gold answer.
--
-- A definition file: the migration runner applies it whenever it changes, after the numbered
-- migrations (lib/db/definitions.ts; docs/decisions/010-database-rules-in-features.md).

-- The decision must match; a reject must name at least one expected reason (when any are given); a
-- re-caption must be within the project's distance of the reference (when one is given).
CREATE OR REPLACE FUNCTION loupe_gold_correct(
  g_decision "Decision", g_reasons text[], g_instruction text,
  decision "Decision", reasons text[], recaption text, threshold real) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT decision = g_decision
    AND (decision <> 'reject' OR cardinality(g_reasons) = 0 OR reasons && g_reasons)
    AND (decision <> 'recaption' OR g_instruction IS NULL OR loupe_text_distance(recaption, g_instruction) < threshold)
$$;

CREATE OR REPLACE FUNCTION loupe_label_gold() RETURNS trigger LANGUAGE plpgsql AS $$
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
    -- An answer taken back by undo keeps its score (gold_first_answers): undo is no second try.
    NEW.gold_correct := coalesce(
      (SELECT f.gold_correct FROM gold_first_answers f WHERE f.pair_id = NEW.pair_id AND f.annotator_id = NEW.annotator_id),
      loupe_gold_correct(g.gold_decision, g.gold_reasons, g.gold_instruction,
                         NEW.decision, NEW.reasons, NEW.recaption, g.threshold));
  ELSE
    NEW.gold_correct := NULL;
  END IF;
  RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER labels_gold BEFORE INSERT ON labels FOR EACH ROW EXECUTE FUNCTION loupe_label_gold();
