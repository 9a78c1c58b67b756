import "server-only";
import type { SqlRunner } from "../db/sql";

/** Open pairs one batch of the keys phase looks at. */
export const QUEUE_KEYS_BATCH = 5_000;
/** Pairs one batch of the margins phase looks at. */
export const MARGINS_BATCH = 5_000;

/**
 * The settings the verifier margin and the uncertainty and disagreement keys read; a change to any of them
 * recomputes them (and a version change first re-copies the active version's output onto each pair).
 */
export const QUEUE_KEY_SETTINGS = ["verifierScales", "verifierRule", "verifierVersion"] as const;
/** Of those, the ones the margin itself reads: a change of the verifier rule alone leaves every margin as it is. */
export const MARGIN_SETTINGS = ["verifierScales", "verifierVersion"] as const;

// Both phases read the pair's columns in one keyset scan by id, compute the margin (and spread) once per
// distinct set of scores in the batch (scores are few distinct objects on declared scales, and the margin is
// a plpgsql loop over the declaration), and write only rows whose values change. Every CTE that computes is
// MATERIALIZED so that no function runs twice for a row (once in the UPDATE's filter, once in its SET).
// `copy`: the verifier columns come from the active version's output (pair_verifier_outputs), or with no
// version named the pair's first one; otherwise from the pair's own copy, which the output triggers keep.
const copyCols = (copy: boolean) =>
  copy
    ? `o.scores, o.valid, o.failure_class, o.recaption, nullif(o.version, '') AS version`
    : `p.verifier_scores AS scores, p.verifier_valid AS valid, p.verifier_failure_class AS failure_class,
       p.verifier_recaption AS recaption, p.model_version AS version`;
const copyJoin = (copy: boolean) =>
  copy
    ? `LEFT JOIN LATERAL (
         SELECT * FROM pair_verifier_outputs o
         WHERE o.pair_id = p.id AND (pr.verifier_version IS NULL OR o.version = pr.verifier_version)
         ORDER BY o.created_at, o.version LIMIT 1
       ) o ON true`
    : "";
const copySet = (copy: boolean) =>
  copy
    ? `verifier_scores = k.scores, verifier_valid = k.valid, verifier_failure_class = k.failure_class,
       verifier_recaption = k.recaption, model_version = k.version,`
    : "";
const copyDiffers = (copy: boolean, p: string, k: string) =>
  copy
    ? `${p}.verifier_scores IS DISTINCT FROM ${k}.scores OR ${p}.verifier_valid IS DISTINCT FROM ${k}.valid
       OR ${p}.verifier_failure_class IS DISTINCT FROM ${k}.failure_class OR ${p}.verifier_recaption IS DISTINCT FROM ${k}.recaption
       OR ${p}.model_version IS DISTINCT FROM ${k}.version OR`
    : "";
const margins = `m AS MATERIALIZED (
  SELECT d.scores, loupe_verifier_margin(d.scores, pr.verifier_scales) AS margin, loupe_verifier_spread(d.scores, pr.verifier_scales) AS spread
  FROM (SELECT DISTINCT scores FROM src WHERE scores IS NOT NULL) d CROSS JOIN pr
)`;
const keys = (x: string) => `loupe_queue_uncertainty(${x}.margin, ${x}.valid) AS uncertainty,
  loupe_queue_disagreement(${x}.margin, ${x}.spread, ${x}.valid, ${x}.failure_class, ${x}.recaption, ${x}.instruction,
    ${x}.change_fraction, ${x}.change_outside_mask, pr.verifier_rule) AS disagreement`;

// The open pairs (status open: regular work, gold is never open) by id over pairs_browse_status_idx.
// Their margin and both keys; the claim order is what annotators feel, so it comes first.
const openBatchSql = (copy: boolean) => `
WITH pr AS MATERIALIZED (SELECT verifier_scales, verifier_rule, verifier_version FROM projects WHERE id = $1),
src AS MATERIALIZED (
  SELECT p.id, p.instruction, p.change_fraction, p.change_outside_mask, ${copyCols(copy)}
  FROM pairs p CROSS JOIN pr ${copyJoin(copy)}
  WHERE p.project_id = $1 AND p.status = 'open' AND p.id > $2
  ORDER BY p.project_id, p.status, p.id LIMIT $3
), ${margins},
keyed AS MATERIALIZED (
  SELECT j.*, ${keys("j")}
  FROM (SELECT s.*, m.margin, m.spread FROM src s LEFT JOIN m ON m.scores = s.scores) j CROSS JOIN pr
), upd AS (
  UPDATE pairs p SET ${copySet(copy)} verifier_margin = k.margin, queue_uncertainty = k.uncertainty, queue_disagreement = k.disagreement
  FROM keyed k
  WHERE p.id = k.id
    AND (${copyDiffers(copy, "p", "k")} p.verifier_margin IS DISTINCT FROM k.margin
         OR p.queue_uncertainty IS DISTINCT FROM k.uncertainty OR p.queue_disagreement <> k.disagreement)
  RETURNING 1
)
SELECT (SELECT max(id) FROM src)::text AS last, (SELECT count(*) FROM src)::int AS scanned, (SELECT count(*) FROM upd)::int AS changed`;

// Every pair by id over pairs_browse_id_idx: the verifier copy and margin, which calibration, filters,
// exports and the review page read for final pairs too. An open pair whose margin is already current had its
// keys written by the keys phase (or by its insert, under the new rule); one that is not (reopened since the
// keys phase passed it) gets its keys here too, so it is computed only for those.
const marginsBatchSql = (copy: boolean) => `
WITH pr AS MATERIALIZED (SELECT verifier_scales, verifier_rule, verifier_version FROM projects WHERE id = $1),
src AS MATERIALIZED (
  SELECT p.id, p.status = 'open' AND NOT p.is_gold AS open, p.verifier_margin AS old_margin,
         p.verifier_scores AS old_scores, p.verifier_valid AS old_valid, p.verifier_failure_class AS old_failure_class,
         p.verifier_recaption AS old_recaption, p.model_version AS old_version,
         p.instruction, p.change_fraction, p.change_outside_mask, ${copyCols(copy)}
  FROM pairs p CROSS JOIN pr ${copyJoin(copy)}
  WHERE p.project_id = $1 AND p.id > $2
  ORDER BY p.project_id, p.id LIMIT $3
), ${margins},
stale AS MATERIALIZED (
  SELECT s.*, m.margin, m.spread FROM src s LEFT JOIN m ON m.scores = s.scores
  WHERE ${copy ? `s.old_scores IS DISTINCT FROM s.scores OR s.old_valid IS DISTINCT FROM s.valid
         OR s.old_failure_class IS DISTINCT FROM s.failure_class OR s.old_recaption IS DISTINCT FROM s.recaption
         OR s.old_version IS DISTINCT FROM s.version OR` : ""} s.old_margin IS DISTINCT FROM m.margin
), keyed AS MATERIALIZED (
  SELECT st.*, k.uncertainty, k.disagreement
  FROM stale st CROSS JOIN pr
  LEFT JOIN LATERAL (SELECT ${keys("st")} WHERE st.open) k ON true
), upd AS (
  UPDATE pairs p SET ${copySet(copy)} verifier_margin = k.margin,
                     queue_uncertainty = CASE WHEN k.open THEN k.uncertainty ELSE p.queue_uncertainty END,
                     queue_disagreement = CASE WHEN k.open THEN k.disagreement ELSE p.queue_disagreement END
  FROM keyed k
  WHERE p.id = k.id AND (${copyDiffers(copy, "p", "k")} p.verifier_margin IS DISTINCT FROM k.margin)
  RETURNING 1
)
SELECT (SELECT max(id) FROM src)::text AS last, (SELECT count(*) FROM src)::int AS scanned, (SELECT count(*) FROM upd)::int AS changed`;

const SQL = {
  open: [openBatchSql(false), openBatchSql(true)],
  margins: [marginsBatchSql(false), marginsBatchSql(true)],
} as const;
/** A batch's statement ($1 project, $2 after this id, $3 limit), for bench/recompute.ts to explain. */
export const queueKeysBatchSql = (phase: "open" | "margins", copy: boolean): string => SQL[phase][copy ? 1 : 0];

export interface TKeysBatch {
  /** The last pair id looked at, null when no pair was left. */
  last: string | null;
  scanned: number;
  changed: number;
}

/**
 * One batch of the background recompute after a keep-rule, verifier-rule or version change (lib/quality/recompute.ts):
 * `open` recomputes the margin and the uncertainty and disagreement keys of up to `limit` open pairs after id
 * `after`; `margins` the margin of up to `limit` pairs of any status (and the keys of an open one whose margin
 * was stale). `copy` first re-copies the active verifier version's output onto each pair. Under the rules as
 * they are when the statement starts, writing only rows whose values change. Run it in a short transaction of
 * its own: concurrent claims skip the rows it locks.
 */
export async function applyQueueKeysBatch(
  tx: SqlRunner,
  projectId: number,
  phase: "open" | "margins",
  after: string | number | bigint,
  opts: { copy?: boolean; limit?: number } = {},
): Promise<TKeysBatch> {
  const copy = opts.copy === true;
  const limit = opts.limit ?? (phase === "open" ? QUEUE_KEYS_BATCH : MARGINS_BATCH);
  // The statement computes the margin and keys itself: the copy's own trigger, which would read the project
  // and recompute them again for every row, stands aside for it (lib/queue/sql/queue-keys.sql).
  if (copy) await tx.query(`SELECT set_config('loupe_queue.keys_given', 'on', true)`);
  const [r] = await tx.query<{ last: string | null; scanned: number; changed: number }>(queueKeysBatchSql(phase, copy), [projectId, String(after), limit]);
  if (copy) await tx.query(`SELECT set_config('loupe_queue.keys_given', '', true)`);
  return { last: r?.last ?? null, scanned: Number(r?.scanned ?? 0), changed: Number(r?.changed ?? 0) };
}
