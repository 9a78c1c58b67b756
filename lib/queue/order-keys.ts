import "server-only";
import type { Db } from "../db/connect";
import { recordAudit } from "../audit/record";

export const QUEUE_KEYS_BATCH = 2_000;

/** The settings the uncertainty and disagreement keys read; a change to any of them recomputes the keys. */
export const QUEUE_KEY_SETTINGS = ["keepMinIf", "keepMinEc", "keepMinGq", "verifierRule"] as const;

// ">= ''" for the first batch, "> last" after it: one plain range either way, which the index serves.
const keysBatchSql = (op: ">=" | ">") => `
WITH batch AS (
  SELECT id, external_id FROM pairs
  WHERE project_id = $1 AND external_id ${op} $2
  ORDER BY project_id, external_id LIMIT $3
), fresh AS (
  SELECT p.id,
         loupe_queue_uncertainty(p.vs_instruction_following, p.vs_editing_consistency, p.vs_generation_quality,
           p.verifier_valid, pr.keep_min_if, pr.keep_min_ec, pr.keep_min_gq) AS uncertainty,
         loupe_queue_disagreement(p.vs_instruction_following, p.vs_editing_consistency, p.vs_generation_quality,
           p.verifier_valid, p.verifier_failure_class, p.verifier_recaption, p.instruction, p.change_fraction,
           p.change_outside_mask, pr.verifier_rule, pr.keep_min_if, pr.keep_min_ec, pr.keep_min_gq) AS disagreement
  FROM batch b JOIN pairs p ON p.id = b.id JOIN projects pr ON pr.id = p.project_id
  WHERE p.status = 'open' AND NOT p.is_gold
), upd AS (
  UPDATE pairs p SET queue_uncertainty = f.uncertainty, queue_disagreement = f.disagreement
  FROM fresh f
  WHERE p.id = f.id AND (p.queue_uncertainty IS DISTINCT FROM f.uncertainty OR p.queue_disagreement <> f.disagreement)
  RETURNING 1
)
SELECT (SELECT max(external_id) FROM batch) AS last, (SELECT count(*) FROM batch)::int AS scanned,
       (SELECT count(*) FROM upd)::int AS changed`;
const FIRST_BATCH_SQL = keysBatchSql(">=");
const NEXT_BATCH_SQL = keysBatchSql(">");

/**
 * Recomputes the uncertainty and disagreement keys of the project's open regular pairs under its current
 * keep and verifier rules, in keyset batches over the unique (project_id, external_id) index, one short
 * transaction each, writing only rows whose keys change. Call it after the settings change commits: inserts
 * in flight have then committed (its FOR UPDATE waited for their FOR KEY SHARE) and later inserts compute
 * the new keys themselves. Each batch re-reads the rule, so a later change wins; pairs no longer open keep
 * their keys. Batches are small because concurrent claims skip the rows they lock.
 */
export async function applyQueueKeys(db: Db, projectId: number, actorId: number | null): Promise<number> {
  let cursor: string | null = null;
  let total = 0;
  for (;;) {
    const after: string | null = cursor;
    const done: boolean = await db.transaction(async (tx) => {
      const [r] = await tx.query<{ last: string | null; scanned: number; changed: number }>(after === null ? FIRST_BATCH_SQL : NEXT_BATCH_SQL, [
        projectId,
        after ?? "",
        QUEUE_KEYS_BATCH,
      ]);
      total += Number(r?.changed ?? 0);
      const last = !r || Number(r.scanned) < QUEUE_KEYS_BATCH || r.last === null;
      if (last) {
        await recordAudit(tx, {
          actorId,
          action: "project.queue_keys_applied",
          subjectType: "project",
          subjectId: String(projectId),
          data: { pairs: total },
        });
      } else {
        cursor = r.last;
      }
      return last;
    });
    if (done) return total;
  }
}
