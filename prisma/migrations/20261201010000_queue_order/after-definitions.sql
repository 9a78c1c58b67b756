-- Keys for the pairs already there: ranks over every regular pair (so the counters continue from the
-- right place), keys written on open pairs (the others are not served; a pair an undo re-opens keeps
-- the keys it had). Runs once, after the definition files (the key functions are one of them), in
-- their transaction (lib/db/migrate.ts).
--
-- Rewritten for 20261206130000_verifier_scales, which replaced the fixed ScaleEdit columns the key
-- functions read: installs that ran this file before have their keys, and that migration's own
-- after-definitions.sql recomputes the uncertainty and disagreement keys under the declared scales.
-- Here only the ranks remain (lib/db/migrate.ts accepts both versions of this migration).
INSERT INTO queue_strata (project_id, stratum, last_rank)
SELECT project_id, loupe_queue_stratum(task, subtask), count(*) FROM pairs WHERE NOT is_gold GROUP BY 1, 2;

UPDATE pairs p SET queue_stratum_rank = r.rn
FROM (SELECT id, row_number() OVER (PARTITION BY project_id, loupe_queue_stratum(task, subtask) ORDER BY id) AS rn
      FROM pairs WHERE NOT is_gold) r
WHERE p.id = r.id AND p.status = 'open';
