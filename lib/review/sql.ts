// The review queue as SQL text. Pure: no server-only import, so tests and benches can read it.
import { workRefusedSql } from "../auth/project-work";

/** How long a reviewer's claim on a pair lasts without renewal (the page renews while it is on screen). */
export const REVIEW_CLAIM_MINUTES = 10;

// Filters shared by the claim and the counts: $reason, $task, $subtask, each NULL for "any".
const filters = (reason: string, task: string, subtask: string) => `
    AND (${reason}::text IS NULL OR ${reason}::text = ANY(p.review_reasons))
    AND (${task}::text IS NULL OR p.task = ${task}::text)
    AND (${subtask}::text IS NULL OR p.subtask = ${subtask}::text)`;

/**
 * Review claim: $1 reviewer id, $2 project id, $3 pair ids the page shows or skipped (bigint[]),
 * $4 routing reason, $5 task, $6 subtask (NULL: any).
 *
 * - `mine`: the reviewer's own live claim matching the filters comes first, renewed in `renewed`.
 * - `picked` locks one unclaimed (or lapsed) pair in review with SKIP LOCKED over pairs_review_idx, the
 *   range-and-order form on project_id keeping the planner on it (see CLAIM_SQL). A concurrent claimer
 *   skips the locked row or, after the winner commits, re-checks its new version (READ COMMITTED) and finds
 *   it claimed: two reviewers never get the same pair. Nobody reviews a pair they labelled.
 * - `released`: claims the page no longer shows (changed filters) go back when a new pair is taken.
 */
export const REVIEW_CLAIM_SQL = `
WITH mine AS (
  SELECT p.id FROM pairs p
  WHERE p.project_id >= $2 AND p.project_id <= $2 AND p.status = 'in_review'
    AND p.review_claimed_by = $1 AND p.review_claimed_until > now()
    AND NOT (p.id = ANY($3::bigint[]))${filters("$4", "$5", "$6")}
  ORDER BY p.project_id, p.id
  LIMIT 1
), picked AS (
  SELECT p.id FROM pairs p
  WHERE p.project_id >= $2 AND p.project_id <= $2 AND p.status = 'in_review'
    AND NOT EXISTS (SELECT 1 FROM mine)
    AND (p.review_claimed_until IS NULL OR p.review_claimed_until <= now())
    AND NOT EXISTS (SELECT 1 FROM labels b WHERE b.pair_id = p.id AND b.annotator_id = $1)
    AND NOT (p.id = ANY($3::bigint[]))${filters("$4", "$5", "$6")}
  ORDER BY p.project_id, p.id
  LIMIT 1
  FOR NO KEY UPDATE SKIP LOCKED
), released AS (
  UPDATE pairs p SET review_claimed_by = NULL, review_claimed_until = NULL
  WHERE p.project_id = $2 AND p.status = 'in_review' AND p.review_claimed_by = $1
    AND EXISTS (SELECT 1 FROM picked)
    AND p.id NOT IN (SELECT id FROM picked)
    AND NOT (p.id = ANY($3::bigint[]))
  RETURNING p.id
), claimed AS (
  UPDATE pairs p SET review_claimed_by = $1, review_claimed_until = now() + interval '${REVIEW_CLAIM_MINUTES} minutes'
  FROM picked WHERE p.id = picked.id
  RETURNING p.id, p.review_claimed_until
), renewed AS (
  UPDATE pairs p SET review_claimed_until = now() + interval '${REVIEW_CLAIM_MINUTES} minutes'
  FROM mine WHERE p.id = mine.id AND p.review_claimed_by = $1
  RETURNING p.id, p.review_claimed_until
)
SELECT id::text AS pair_id, review_claimed_until AS claimed_until, false AS resumed, (SELECT count(*) FROM released)::int AS released
FROM claimed
UNION ALL
SELECT id::text, review_claimed_until, true, 0 FROM renewed`;

/** $1 pair id, $2 reviewer id: extends the reviewer's claim, or takes it when free or lapsed. */
export const REVIEW_RENEW_SQL = `
UPDATE pairs SET review_claimed_by = $2, review_claimed_until = now() + interval '${REVIEW_CLAIM_MINUTES} minutes'
WHERE id = $1 AND status = 'in_review'
  AND (review_claimed_by = $2 OR review_claimed_by IS NULL OR review_claimed_until <= now())
  -- A free claim is taken here too: never on a pair the reviewer labelled (the claim's own rule).
  AND NOT EXISTS (SELECT 1 FROM labels b WHERE b.pair_id = pairs.id AND b.annotator_id = $2)
RETURNING review_claimed_until`;

export const REVIEW_RELEASE_SQL = `
UPDATE pairs SET review_claimed_by = NULL, review_claimed_until = NULL
WHERE id = $1 AND review_claimed_by = $2 AND status = 'in_review'
RETURNING id`;

/** One pair ($1) for the workbench, its verdict and re-caption spread from the label trigger's own SQL functions. */
export const REVIEW_PAIR_SQL = `
SELECT p.id::text AS pair_id, p.project_id, p.external_id, p.instruction, p.instruction_cn, p.task, p.subtask,
       p.source_image, p.edited_image, p.mask_image, p.reference_image, p.source_preview, p.edited_preview, p.heatmap_image,
       p.change_fraction, p.ssim, p.change_outside_mask, p.session_id, p.turn,
       EXISTS (SELECT 1 FROM pair_derivatives d WHERE d.pair_id = p.id) AS derivatives_pending,
       p.verifier_valid, p.verifier_failure_class, p.verifier_recaption, p.verifier_scores, p.model_version,
       p.review_reasons, p.agreement, p.routed_at, p.review_claimed_until,
       pr.recaption_disagreement_threshold, pr.verifier_rule, pr.verifier_scales,
       loupe_verifier_verdict(pr.verifier_rule, p.verifier_valid, p.verifier_margin) AS verdict,
       (SELECT max(loupe_text_distance(a.recaption, b.recaption))
        FROM labels a JOIN labels b ON b.pair_id = a.pair_id AND b.id > a.id
        WHERE a.pair_id = p.id AND a.recaption IS NOT NULL AND b.recaption IS NOT NULL) AS recaption_spread
FROM pairs p JOIN projects pr ON pr.id = p.project_id
WHERE p.id = $1`;

export const REVIEW_LABELS_SQL = `
SELECT b.id::text AS id, b.annotator_id, u.name AS annotator_name, b.decision::text AS decision, b.reasons, b.recaption,
       b.seconds_spent, b.created_at
FROM labels b JOIN users u ON u.id = b.annotator_id
WHERE b.pair_id = $1
ORDER BY b.created_at, b.id`;

// The queue's sizes come from the kept pair_tallies and their deltas (lib/quality/sql/aggregates.sql):
// in-review pairs by task, subtask and routing reasons, a few rows whatever the project's size. Live
// claims are counted over pairs_review_claimed_idx, which holds only claimed pairs in review.
const KEPT_IN_REVIEW = `(SELECT project_id, task, subtask, review_reasons, pairs FROM pair_tallies WHERE status = 'in_review'
  UNION ALL SELECT project_id, task, subtask, review_reasons, pairs FROM pair_tallies_delta WHERE status = 'in_review')`;

/** $1 project id, $2 reviewer id, $3 reason, $4 task, $5 subtask: the queue's size. */
export const REVIEW_COUNTS_SQL = `
SELECT coalesce(sum(p.pairs), 0)::int AS in_review,
       coalesce(sum(p.pairs) FILTER (WHERE TRUE${filters("$3", "$4", "$5")}), 0)::int AS matching,
       coalesce(sum(p.pairs) FILTER (WHERE 'decision' = ANY(p.review_reasons)), 0)::int AS decision,
       coalesce(sum(p.pairs) FILTER (WHERE 'recaption' = ANY(p.review_reasons)), 0)::int AS recaption,
       coalesce(sum(p.pairs) FILTER (WHERE 'verifier' = ANY(p.review_reasons)), 0)::int AS verifier,
       (SELECT count(*) FROM pairs c
        WHERE c.project_id = $1 AND c.status = 'in_review' AND c.review_claimed_until IS NOT NULL
          AND c.review_claimed_until > now() AND c.review_claimed_by <> $2)::int AS claimed_by_others
FROM ${KEPT_IN_REVIEW} p
WHERE p.project_id = $1`;

/** Every project with its pairs in review by routing reason (projects with none are listed too); with `mine`, those $1 may review. */
export const reviewerProjectsSql = (mine: boolean) => `
SELECT pr.id, pr.name, coalesce(t.in_review, 0)::int AS in_review, coalesce(t.decision, 0)::int AS decision,
       coalesce(t.recaption, 0)::int AS recaption, coalesce(t.verifier, 0)::int AS verifier,
       (SELECT count(*) FROM pairs c
        WHERE c.project_id = pr.id AND c.status = 'in_review' AND c.review_claimed_until IS NOT NULL
          AND c.review_claimed_until > now())::int AS claimed
FROM projects pr
LEFT JOIN (
  SELECT project_id, sum(pairs) AS in_review,
         sum(pairs) FILTER (WHERE 'decision' = ANY(review_reasons)) AS decision,
         sum(pairs) FILTER (WHERE 'recaption' = ANY(review_reasons)) AS recaption,
         sum(pairs) FILTER (WHERE 'verifier' = ANY(review_reasons)) AS verifier
  FROM ${KEPT_IN_REVIEW} k GROUP BY project_id
) t ON t.project_id = pr.id
WHERE pr.deleting_at IS NULL${mine ? ` AND NOT ${workRefusedSql("pr.id", "$1", "review")}` : ""}
ORDER BY pr.created_at, pr.id`;

/** $1 project id: the task and subtask values among its pairs in review, for the filter selects. */
export const REVIEW_FILTER_VALUES_SQL = `
WITH v AS (
  SELECT task, subtask FROM ${KEPT_IN_REVIEW} k WHERE project_id = $1 GROUP BY task, subtask HAVING sum(pairs) > 0
)
SELECT 'task' AS kind, v FROM (SELECT DISTINCT task AS v FROM v WHERE task IS NOT NULL) t
UNION ALL
SELECT 'subtask', v FROM (SELECT DISTINCT subtask AS v FROM v WHERE subtask IS NOT NULL) s
ORDER BY 1, 2
LIMIT 500`;
