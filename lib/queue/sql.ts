// The annotator hot path as SQL text, shared by lib/queue (the app) and bench/ (the raw-SQL ceiling),
// so the benchmark's ceiling runs exactly the statements the app runs. Pure: no server-only import.
import { workRefusedSql } from "../auth/project-work";
import { QUEUE_ORDER_INFO, QUEUE_ORDERS, type TQueueOrder } from "./order";

/** A client may hold this many live undecided leases in a project: the pair on screen and the prefetched one. */
export const MAX_LIVE_LEASES = 2;

/** Expired leases released per claim statement; SKIP LOCKED lets concurrent claimers split them. */
export const RELEASE_BATCH = 50;

/**
 * Claim: $1 user id, $2 project id, $3 pair ids the client is showing (bigint[]), $4 max live leases.
 *
 * - `expired` returns abandoned leases to the pool, locking their pairs with SKIP LOCKED so the leases
 *   trigger never waits on a pair another claim holds (that deadlocked two claims). Slots it frees show to
 *   the *next* statement, so a caller that finds nothing claims once more.
 * - `mine` hands back the caller's live undecided lease, if any.
 * - `picked` locks one open pair with SKIP LOCKED (NO KEY UPDATE, so it does not conflict with the KEY
 *   SHARE locks of concurrent label inserts' foreign-key checks). `project_id` is a range and leads the
 *   ORDER BY so that only pairs_open_work_idx can serve it: with `=` the planner may walk the primary key
 *   and read past every taken pair.
 * - `me`: a paused annotator gets nothing, not even a lease they hold, and neither does anyone the project
 *   refuses (archived, or restricted to a team they are not in: decision 030); claimNextPair explains.
 * - `regular` never serves gold. One CTE per queue order, each gated by the project's `queue_order` read
 *   here, which the planner makes a one-time filter; CTEs because FOR UPDATE is not allowed in a UNION.
 *   No process memory picks the order, so a switch applies at the next claim on every server.
 * - `gold` mixes in an unseen active gold pair at the project's gold rate while regular work remains,
 *   from a random id; the answer looks the same either way. Gold pairs are not locked.
 * - `ins` inserts the lease in the caller's lowest free slot; triggers bump pairs.taken, and CHECK
 *   (taken <= wanted) and the unique indexes make a double assignment or a hoard impossible even if this
 *   query were wrong. A concurrent claim by the same user loses on the slot index (23505) and retries.
 */
/** The `regular` pick under one queue order: open regular work, not the caller's, in the order's index. */
function regularFor(order: TQueueOrder): string {
  return `regular_${order} AS (
  SELECT p.id FROM pairs p
  WHERE p.project_id >= $2 AND p.project_id <= $2 AND p.taken < p.wanted AND NOT p.is_gold
    AND (SELECT queue_order FROM qorder) = '${order}'${QUEUE_ORDER_INFO[order].where ? `\n    AND ${QUEUE_ORDER_INFO[order].where}` : ""}
    AND NOT EXISTS (SELECT 1 FROM mine)
    AND (SELECT n FROM live) < $4
    AND NOT (SELECT paused FROM me)
    AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.pair_id = p.id AND l.annotator_id = $1)
    AND NOT EXISTS (SELECT 1 FROM labels b WHERE b.pair_id = p.id AND b.annotator_id = $1)
    AND NOT EXISTS (SELECT 1 FROM skips s WHERE s.pair_id = p.id AND s.annotator_id = $1)
  ORDER BY ${QUEUE_ORDER_INFO[order].orderBy}
  LIMIT 1
  FOR NO KEY UPDATE SKIP LOCKED
)`;
}

export const CLAIM_SQL = `
WITH expired AS (
  DELETE FROM leases WHERE id IN (
    SELECT l.id FROM leases l JOIN pairs p ON p.id = l.pair_id
    WHERE l.expires_at <= now() ORDER BY l.expires_at LIMIT ${RELEASE_BATCH}
    FOR NO KEY UPDATE OF l, p SKIP LOCKED)
  RETURNING pair_id
), me AS (
  SELECT (EXISTS (SELECT 1 FROM project_annotators pa
                  WHERE pa.project_id = $2 AND pa.user_id = $1 AND pa.paused_at IS NOT NULL)
          OR ${workRefusedSql("$2", "$1", "annotate")}) AS paused
), mine AS (
  SELECT l.pair_id, l.expires_at FROM leases l
  WHERE l.annotator_id = $1 AND l.project_id = $2 AND l.submitted_at IS NULL AND l.expires_at > now()
    AND NOT (l.pair_id = ANY($3::bigint[])) AND NOT (SELECT paused FROM me)
  ORDER BY l.created_at LIMIT 1
), live AS (
  SELECT count(*) AS n FROM leases l
  WHERE l.annotator_id = $1 AND l.project_id = $2 AND l.submitted_at IS NULL AND l.expires_at > now()
), qorder AS (
  SELECT pr.queue_order FROM projects pr WHERE pr.id = $2
), ${QUEUE_ORDERS.map(regularFor).join(", ")}, regular AS (
  ${QUEUE_ORDERS.map((o) => `SELECT id FROM regular_${o}`).join("\n  UNION ALL\n  ")}
), gold_start AS (
  SELECT x.lo + floor(random() * (x.hi - x.lo + 1))::bigint AS id
  FROM (SELECT min(id) AS lo, max(id) AS hi FROM pairs WHERE project_id = $2 AND gold_active) x
  WHERE x.lo IS NOT NULL AND random() < (SELECT gold_rate FROM projects WHERE id = $2)
    AND EXISTS (SELECT 1 FROM regular)
), gold AS (
  SELECT g.id FROM (
    (SELECT p.id, 0 AS pass FROM pairs p
     WHERE p.project_id >= $2 AND p.project_id <= $2 AND p.gold_active AND p.id >= (SELECT id FROM gold_start)
       AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.pair_id = p.id AND l.annotator_id = $1)
       AND NOT EXISTS (SELECT 1 FROM labels b WHERE b.pair_id = p.id AND b.annotator_id = $1)
       AND NOT EXISTS (SELECT 1 FROM skips s WHERE s.pair_id = p.id AND s.annotator_id = $1)
     ORDER BY p.project_id, p.id LIMIT 1)
    UNION ALL
    (SELECT p.id, 1 AS pass FROM pairs p
     WHERE p.project_id >= $2 AND p.project_id <= $2 AND p.gold_active AND p.id < (SELECT id FROM gold_start)
       AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.pair_id = p.id AND l.annotator_id = $1)
       AND NOT EXISTS (SELECT 1 FROM labels b WHERE b.pair_id = p.id AND b.annotator_id = $1)
       AND NOT EXISTS (SELECT 1 FROM skips s WHERE s.pair_id = p.id AND s.annotator_id = $1)
     ORDER BY p.project_id, p.id LIMIT 1)
  ) g ORDER BY g.pass LIMIT 1
), picked AS (
  SELECT id FROM gold
  UNION ALL
  SELECT id FROM regular WHERE NOT EXISTS (SELECT 1 FROM gold)
), ins AS (
  INSERT INTO leases (pair_id, project_id, annotator_id, expires_at, slot)
  SELECT picked.id, $2, $1, now() + make_interval(secs => pr.lease_seconds),
         (SELECT min(s) FROM generate_series(1, $4::int) s
          WHERE s NOT IN (SELECT l.slot FROM leases l WHERE l.annotator_id = $1 AND l.project_id = $2
                            AND l.submitted_at IS NULL AND l.slot IS NOT NULL))
  FROM picked JOIN projects pr ON pr.id = $2
  RETURNING pair_id, expires_at
), got AS (
  SELECT pair_id, expires_at, false AS resumed FROM ins
  UNION ALL
  SELECT pair_id, expires_at, true AS resumed FROM mine
)
SELECT g.pair_id::text AS pair_id, g.expires_at, g.resumed, p.instruction, p.instruction_cn, p.task, p.subtask,
       p.source_image, p.edited_image, p.mask_image, p.reference_image, p.source_preview, p.edited_preview, p.heatmap_image,
       p.change_fraction, p.ssim, p.change_outside_mask, p.session_id, p.turn,
       EXISTS (SELECT 1 FROM pair_derivatives d WHERE d.pair_id = p.id) AS derivatives_pending
FROM got g JOIN pairs p ON p.id = g.pair_id`;

/**
 * Submit: $1 pair id, $2 user id, $3 decision, $4 reasons text[], $5 re-caption, $6 seconds, $7 submission
 * id. Only while the caller's lease is live and undecided, the id new and every reason in the taxonomy, it
 * inserts the label, marks the lease decided and writes the audit row. The first column says what happened:
 * created | replayed | expired | decided | paused (or refused by the project) | bad_reasons (no row: expired). Gold, consensus and
 * pausing run in the label triggers. A concurrent copy waits on the lease lock and reports `decided`.
 */
export const SUBMIT_SQL = `
WITH lease AS (
  SELECT l.id, l.project_id, l.expires_at > now() AS live, l.submitted_at IS NOT NULL AS submitted
  FROM leases l WHERE l.pair_id = $1 AND l.annotator_id = $2
  FOR UPDATE
), prior AS (
  SELECT b.* FROM labels b WHERE b.submission_id = $7::uuid
), paused AS (
  SELECT (EXISTS (SELECT 1 FROM project_annotators pa JOIN lease l ON pa.project_id = l.project_id
                  WHERE pa.user_id = $2 AND pa.paused_at IS NOT NULL)
          OR EXISTS (SELECT 1 FROM lease l WHERE ${workRefusedSql("l.project_id", "$2", "annotate")})) AS yes
), reasons_ok AS (
  SELECT NOT EXISTS (
    SELECT 1 FROM unnest($4::text[]) AS r(code)
    WHERE NOT EXISTS (
      SELECT 1 FROM lease l JOIN projects pr ON pr.id = l.project_id, jsonb_array_elements(pr.reject_reasons) e
      WHERE e->>'code' = r.code AND NOT coalesce((e->>'retired')::boolean, false))) AS ok
), ins AS (
  INSERT INTO labels (pair_id, project_id, annotator_id, decision, reasons, recaption, seconds_spent, submission_id)
  SELECT $1, l.project_id, $2, $3::"Decision", $4::text[], $5, $6, $7::uuid
  FROM lease l
  WHERE l.live AND NOT l.submitted AND NOT EXISTS (SELECT 1 FROM prior) AND (SELECT ok FROM reasons_ok)
    AND NOT (SELECT yes FROM paused)
  RETURNING *
), mark AS (
  UPDATE leases SET submitted_at = now() FROM ins WHERE leases.id = (SELECT l.id FROM lease l)
), audit AS (
  INSERT INTO audit_events (actor_id, action, subject_type, subject_id, data)
  SELECT $2, 'label.create', 'pair', ins.pair_id::text,
         jsonb_build_object('labelId', ins.id::text, 'decision', ins.decision, 'reasons', to_jsonb(ins.reasons))
  FROM ins
)
SELECT 'created' AS outcome, i.id::text AS id, i.pair_id::text AS pair_id, i.annotator_id, i.decision::text AS decision,
       i.reasons, i.recaption, i.seconds_spent, i.submission_id::text AS submission_id, i.created_at
FROM ins i
UNION ALL
SELECT 'replayed', b.id::text, b.pair_id::text, b.annotator_id, b.decision::text, b.reasons, b.recaption, b.seconds_spent,
       b.submission_id::text, b.created_at
FROM prior b
UNION ALL
SELECT CASE WHEN (SELECT yes FROM paused) THEN 'paused' WHEN NOT l.live THEN 'expired' WHEN l.submitted THEN 'decided'
            ELSE 'bad_reasons' END,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM lease l
WHERE NOT EXISTS (SELECT 1 FROM prior) AND NOT EXISTS (SELECT 1 FROM ins)`;

export const LABEL_BY_SUBMISSION_SQL = `
SELECT 'replayed' AS outcome, b.id::text AS id, b.pair_id::text AS pair_id, b.annotator_id, b.decision::text AS decision,
       b.reasons, b.recaption, b.seconds_spent, b.submission_id::text AS submission_id, b.created_at
FROM labels b WHERE b.submission_id = $1::uuid`;

export const LEASED_PAIR_SQL = `
SELECT l.pair_id::text AS pair_id, l.expires_at, true AS resumed, p.instruction, p.instruction_cn, p.task, p.subtask,
       p.source_image, p.edited_image, p.mask_image, p.reference_image, p.source_preview, p.edited_preview, p.heatmap_image,
       p.change_fraction, p.ssim, p.change_outside_mask, p.session_id, p.turn,
       EXISTS (SELECT 1 FROM pair_derivatives d WHERE d.pair_id = p.id) AS derivatives_pending
FROM leases l JOIN pairs p ON p.id = l.pair_id
WHERE l.pair_id = $2 AND l.annotator_id = $1 AND l.expires_at > now()`;
