-- Keys for the pairs already there: ranks over every regular pair (so the counters continue from the
-- right place), keys written on open pairs (the others are not served; a pair an undo re-opens keeps
-- the keys it had). Runs once, after the definition files (the key functions are one of them), in
-- their transaction (lib/db/migrate.ts).
INSERT INTO queue_strata (project_id, stratum, last_rank)
SELECT project_id, loupe_queue_stratum(task, subtask), count(*) FROM pairs WHERE NOT is_gold GROUP BY 1, 2;

UPDATE pairs p SET
  queue_uncertainty = loupe_queue_uncertainty(p.vs_instruction_following, p.vs_editing_consistency, p.vs_generation_quality,
    p.verifier_valid, pr.keep_min_if, pr.keep_min_ec, pr.keep_min_gq),
  queue_disagreement = loupe_queue_disagreement(p.vs_instruction_following, p.vs_editing_consistency, p.vs_generation_quality,
    p.verifier_valid, p.verifier_failure_class, p.verifier_recaption, p.instruction, p.change_fraction, p.change_outside_mask,
    pr.verifier_rule, pr.keep_min_if, pr.keep_min_ec, pr.keep_min_gq),
  queue_stratum_rank = r.rn
FROM (SELECT id, row_number() OVER (PARTITION BY project_id, loupe_queue_stratum(task, subtask) ORDER BY id) AS rn
      FROM pairs WHERE NOT is_gold) r, projects pr
WHERE p.id = r.id AND pr.id = p.project_id AND p.status = 'open';
