-- Margins for every pair and the uncertainty and disagreement keys for open regular pairs, under the
-- declarations the migration wrote. Runs once, after the definition files (lib/quality/sql/verifier.sql,
-- lib/queue/sql/queue-keys.sql), in their transaction (lib/db/migrate.ts).
UPDATE pairs p SET verifier_margin = loupe_verifier_margin(p.verifier_scores, pr.verifier_scales)
FROM projects pr WHERE pr.id = p.project_id AND p.verifier_scores IS NOT NULL;

UPDATE pairs p SET
  queue_uncertainty = loupe_queue_uncertainty(p.verifier_margin, p.verifier_valid),
  queue_disagreement = loupe_queue_disagreement(p.verifier_margin, loupe_verifier_spread(p.verifier_scores, pr.verifier_scales),
    p.verifier_valid, p.verifier_failure_class, p.verifier_recaption, p.instruction, p.change_fraction, p.change_outside_mask,
    pr.verifier_rule)
FROM projects pr
WHERE pr.id = p.project_id AND p.status = 'open' AND NOT p.is_gold;
