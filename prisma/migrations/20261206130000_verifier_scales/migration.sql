-- Any verifier scale, several verifier versions per pair (docs/decisions/014-verifier-scales-and-versions.md).
--
-- A project declares its verifier score columns (projects.verifier_scales: key, label, scale min/max,
-- which way is better, keep threshold or null when the column is not part of the keep rule) and names
-- its active verifier version (projects.verifier_version; null: each pair's first imported output).
-- Every version's output lives in pair_verifier_outputs, keyed (pair_id, version). The pair keeps a copy
-- of the active version's output (verifier_scores, verifier_valid, verifier_failure_class,
-- verifier_recaption, model_version = the version) and the signed normalised margin of the keep rule on
-- it (verifier_margin, >= 0: kept), so the queue orders, filters, calibration and exports read one row
-- per pair and stay indexable at 10M pairs. The rules that fill these live in lib/quality/sql/verifier.sql.

ALTER TABLE projects ADD COLUMN verifier_scales JSONB NOT NULL DEFAULT '[
  {"key": "instruction_following", "label": "Instruction following (IF)", "min": 1, "max": 3, "higherIsBetter": true, "keep": 3},
  {"key": "editing_consistency", "label": "Editing consistency (EC)", "min": 1, "max": 3, "higherIsBetter": true, "keep": 2},
  {"key": "generation_quality", "label": "Generation quality (GQ)", "min": 1, "max": 3, "higherIsBetter": true, "keep": 2},
  {"key": "overall", "label": "Overall score (Overall)", "min": 0, "max": 10, "higherIsBetter": true, "keep": null}
]'::jsonb,
  ADD COLUMN verifier_version TEXT;

-- Existing projects: the ScaleEdit declaration with their own thresholds.
UPDATE projects SET verifier_scales = jsonb_build_array(
  jsonb_build_object('key', 'instruction_following', 'label', 'Instruction following (IF)', 'min', 1, 'max', 3, 'higherIsBetter', true, 'keep', keep_min_if),
  jsonb_build_object('key', 'editing_consistency', 'label', 'Editing consistency (EC)', 'min', 1, 'max', 3, 'higherIsBetter', true, 'keep', keep_min_ec),
  jsonb_build_object('key', 'generation_quality', 'label', 'Generation quality (GQ)', 'min', 1, 'max', 3, 'higherIsBetter', true, 'keep', keep_min_gq),
  jsonb_build_object('key', 'overall', 'label', 'Overall score (Overall)', 'min', 0, 'max', 10, 'higherIsBetter', true, 'keep', NULL));

ALTER TABLE pairs ADD COLUMN verifier_scores JSONB,
                  ADD COLUMN verifier_margin REAL;

-- The scores move into the keyed object; nothing else about the pair changes.
UPDATE pairs SET verifier_scores = jsonb_strip_nulls(jsonb_build_object(
    'instruction_following', vs_instruction_following, 'editing_consistency', vs_editing_consistency,
    'generation_quality', vs_generation_quality, 'overall', vs_overall))
WHERE vs_instruction_following IS NOT NULL OR vs_editing_consistency IS NOT NULL
   OR vs_generation_quality IS NOT NULL OR vs_overall IS NOT NULL;

CREATE TABLE pair_verifier_outputs (
  pair_id       BIGINT NOT NULL REFERENCES pairs(id) ON DELETE CASCADE ON UPDATE CASCADE,
  -- '' for an output imported without a version name.
  version       TEXT NOT NULL,
  scores        JSONB NOT NULL DEFAULT '{}',
  valid         BOOLEAN,
  failure_class TEXT,
  recaption     TEXT,
  created_at    TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  CONSTRAINT pair_verifier_outputs_pkey PRIMARY KEY (pair_id, version),
  CONSTRAINT pair_verifier_outputs_scores_check CHECK (jsonb_typeof(scores) = 'object')
);

INSERT INTO pair_verifier_outputs (pair_id, version, scores, valid, failure_class, recaption)
SELECT id, coalesce(model_version, ''), coalesce(verifier_scores, '{}'), verifier_valid, verifier_failure_class, verifier_recaption
FROM pairs
WHERE (verifier_scores IS NOT NULL OR verifier_valid IS NOT NULL OR verifier_failure_class IS NOT NULL
                       OR verifier_recaption IS NOT NULL OR model_version IS NOT NULL);

-- The uncertainty key is now a distance on the normalised scale (0-1 per column), not score steps.
ALTER TABLE pairs ALTER COLUMN queue_uncertainty TYPE REAL;

DROP INDEX pairs_final_verifier_idx;
CREATE INDEX pairs_final_verifier_idx ON pairs (project_id)
  INCLUDE (task, subtask, final_decision, is_gold, verifier_valid, verifier_margin, verifier_scores)
  WHERE status = 'final';

-- Filters on the active version's verdict ("verifier keeps", "margin under x") over a project.
CREATE INDEX pairs_verifier_margin_idx ON pairs (project_id, verifier_margin, id) WHERE NOT is_gold;

ALTER TABLE pairs DROP COLUMN vs_instruction_following, DROP COLUMN vs_editing_consistency,
                  DROP COLUMN vs_generation_quality, DROP COLUMN vs_overall;
-- The scores CHECK named the dropped columns (it went with them); the keyed object replaces it. Each
-- score's scale is checked where it is written (lib/imports/mapping.ts), against the declaration then.
ALTER TABLE pairs ADD CONSTRAINT pairs_scores_check CHECK (verifier_scores IS NULL OR jsonb_typeof(verifier_scores) = 'object');
-- The quality CHECK named the ScaleEdit thresholds: it is rebuilt without them (the declaration is
-- validated where it is written, lib/quality/scales.ts), and the declaration must be a list.
ALTER TABLE projects DROP CONSTRAINT projects_quality_check;
ALTER TABLE projects DROP COLUMN keep_min_if, DROP COLUMN keep_min_ec, DROP COLUMN keep_min_gq;
ALTER TABLE projects ADD CONSTRAINT projects_quality_check CHECK (
    gold_rate BETWEEN 0 AND 0.5
    AND gold_min_count BETWEEN 1 AND 10000
    AND gold_accuracy_threshold BETWEEN 0 AND 1
    AND gold_recaption_threshold BETWEEN 0 AND 1
    AND recaption_disagreement_threshold BETWEEN 0 AND 1
    AND verifier_rule IN ('auto', 'valid_flag', 'scores', 'off')
    AND jsonb_typeof(verifier_scales) = 'array');
