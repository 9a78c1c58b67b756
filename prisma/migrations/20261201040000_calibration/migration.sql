-- Verifier calibration (lib/calibration/queries.ts) reads every final pair of a project with its
-- human outcome and verifier signals. This covering partial index answers that from the index alone
-- (an index-only scan once vacuum has marked the pages visible), so the read grows with the
-- project's final pairs, not with the whole pairs table and its wide rows. Only final pairs enter it:
-- imports (open pairs) pay nothing; a settling pair adds one entry in an update that already writes
-- the other indexes.
CREATE INDEX pairs_final_verifier_idx ON pairs (project_id)
  INCLUDE (task, subtask, final_decision, is_gold, verifier_valid,
           vs_instruction_following, vs_editing_consistency, vs_generation_quality, vs_overall)
  WHERE status = 'final';
