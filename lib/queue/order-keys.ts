import "server-only";
import type { SqlRunner } from "../db/sql";

export const QUEUE_KEYS_BATCH = 2_000;

/**
 * The settings the verifier margin and the uncertainty and disagreement keys read; a change to any of them
 * recomputes them (and a version change first re-copies the active version's output onto each pair).
 */
export const QUEUE_KEY_SETTINGS = ["verifierScales", "verifierRule", "verifierVersion"] as const;

// ">= ''" for the first batch, "> last" after it: one plain range either way, which the index serves.
// The copy is the active version's output (pair_verifier_outputs), or with no version named the pair's
// first one; the margin is recomputed for every pair (calibration and filters read final pairs' too),
// the keys for open regular pairs only.
const keysBatchSql = (op: ">=" | ">") => `
WITH batch AS (
  SELECT id, external_id FROM pairs
  WHERE project_id = $1 AND external_id ${op} $2
  ORDER BY project_id, external_id LIMIT $3
), src AS (
  SELECT p.id, p.status, p.is_gold, p.instruction, p.change_fraction, p.change_outside_mask,
         pr.verifier_scales AS scales, pr.verifier_rule AS rule,
         o.scores, o.valid, o.failure_class, o.recaption, nullif(o.version, '') AS version
  FROM batch b JOIN pairs p ON p.id = b.id JOIN projects pr ON pr.id = p.project_id
  LEFT JOIN LATERAL (
    SELECT * FROM pair_verifier_outputs o
    WHERE o.pair_id = p.id AND (pr.verifier_version IS NULL OR o.version = pr.verifier_version)
    ORDER BY o.created_at, o.version LIMIT 1
  ) o ON true
), fresh AS (
  SELECT s.*, loupe_verifier_margin(s.scores, s.scales) AS margin FROM src s
), keyed AS (
  SELECT f.*, f.status = 'open' AND NOT f.is_gold AS open,
         loupe_queue_uncertainty(f.margin, f.valid) AS uncertainty,
         loupe_queue_disagreement(f.margin, loupe_verifier_spread(f.scores, f.scales), f.valid, f.failure_class,
           f.recaption, f.instruction, f.change_fraction, f.change_outside_mask, f.rule) AS disagreement
  FROM fresh f
), upd AS (
  UPDATE pairs p SET verifier_scores = k.scores, verifier_valid = k.valid, verifier_failure_class = k.failure_class,
                     verifier_recaption = k.recaption, model_version = k.version, verifier_margin = k.margin,
                     queue_uncertainty = CASE WHEN k.open THEN k.uncertainty ELSE p.queue_uncertainty END,
                     queue_disagreement = CASE WHEN k.open THEN k.disagreement ELSE p.queue_disagreement END
  FROM keyed k
  WHERE p.id = k.id
    AND (p.verifier_scores IS DISTINCT FROM k.scores OR p.verifier_valid IS DISTINCT FROM k.valid
         OR p.verifier_failure_class IS DISTINCT FROM k.failure_class OR p.verifier_recaption IS DISTINCT FROM k.recaption
         OR p.model_version IS DISTINCT FROM k.version OR p.verifier_margin IS DISTINCT FROM k.margin
         OR (k.open AND (p.queue_uncertainty IS DISTINCT FROM k.uncertainty OR p.queue_disagreement <> k.disagreement)))
  RETURNING 1
)
SELECT (SELECT max(external_id) FROM batch) AS last, (SELECT count(*) FROM batch)::int AS scanned,
       (SELECT count(*) FROM upd)::int AS changed`;
const FIRST_BATCH_SQL = keysBatchSql(">=");
const NEXT_BATCH_SQL = keysBatchSql(">");

/**
 * One batch of the keys recompute (lib/quality/recompute.ts runs them in the background): re-copies the active
 * verifier version's output onto up to `limit` of the project's pairs after `after` by external id (null: from
 * the first) and recomputes their margins, and the uncertainty and disagreement keys of open regular pairs,
 * under the rules as they are when the statement starts, writing only rows whose values change. Run it in a
 * short transaction of its own: concurrent claims skip the rows it locks. `last` is null when no pair was left.
 */
export async function applyQueueKeysBatch(
  tx: SqlRunner,
  projectId: number,
  after: string | null,
  limit = QUEUE_KEYS_BATCH,
): Promise<{ last: string | null; scanned: number; changed: number }> {
  const [r] = await tx.query<{ last: string | null; scanned: number; changed: number }>(after === null ? FIRST_BATCH_SQL : NEXT_BATCH_SQL, [
    projectId,
    after ?? "",
    limit,
  ]);
  return { last: r?.last ?? null, scanned: Number(r?.scanned ?? 0), changed: Number(r?.changed ?? 0) };
}
