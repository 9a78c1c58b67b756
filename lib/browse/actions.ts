import "server-only";
import { z } from "zod";
import type { Db, SqlRunner } from "../db/connect";
import { recordAudit } from "../audit/record";
import type { TRole } from "../auth/permissions";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import { createExport } from "../exports/service";
import { EXPORT_FORMATS } from "../exports/types";
import { setGoldActive } from "../quality/gold";
import { ZBrowseFilters, toExportFilters, type TBrowseFilters } from "./filters";
import { countMatching, matchingIds } from "./queries";

// What an admin does to pairs from the browser (decision 029): send a settled pair back to review, reopen
// a pair for one more label, and the same on every pair a filter matches, each pair with its audit row
// in the transaction that changes it. Promotion to gold is lib/quality/gold.ts's (POST /api/gold).

/** Pairs one bulk action may change: the confirmation names the count, and more is refused with it. */
export const BULK_LIMIT = 1_000;

type TActor = { id: number; role: TRole };

type Locked = { id: string; status: string; is_gold: boolean };

async function lockPairs(tx: SqlRunner, projectId: number, ids: string[]): Promise<Locked[]> {
  return tx.query<Locked>(
    `SELECT id::text AS id, status::text AS status, is_gold FROM pairs
     WHERE project_id = $1 AND id = ANY($2::bigint[]) ORDER BY pairs.id FOR NO KEY UPDATE`,
    [projectId, ids],
  );
}

/**
 * Sends settled pairs back to the review queue: their final answer is withdrawn (pair.reopened, reason
 * review) and a reviewer adjudicates them again. Gold pairs keep their answer and are skipped, as are
 * pairs already in review or not yet labelled. Answers the ids it moved.
 */
async function sendToReviewIn(tx: SqlRunner, actorId: number, projectId: number, ids: string[]): Promise<string[]> {
  const locked = await lockPairs(tx, projectId, ids);
  const movable = locked.filter((p) => !p.is_gold && (p.status === "final" || p.status === "labelled")).map((p) => p.id);
  if (movable.length === 0) return [];
  await tx.query(`SELECT set_config('loupe.reopen_reason', 'review', true)`);
  await tx.query(
    `UPDATE pairs SET status = 'in_review', final_decision = NULL, final_instruction = NULL, final_reasons = '{}', final_source = NULL,
       finalized_at = NULL, reviewed_by = NULL, reviewed_at = NULL, review_note = NULL, review_submission_id = NULL,
       review_claimed_by = NULL, review_claimed_until = NULL, routed_at = now()
     WHERE id = ANY($1::bigint[])`,
    [movable],
  );
  await tx.query(`SELECT set_config('loupe.reopen_reason', '', true)`);
  await tx.query(
    `INSERT INTO audit_events (actor_id, action, subject_type, subject_id, data)
     SELECT $1, 'pair.send_to_review', 'pair', id, jsonb_build_object('projectId', $2::int) FROM unnest($3::text[]) id`,
    [actorId, projectId, movable],
  );
  return movable;
}

export async function sendPairToReview(db: Db, actor: TActor, projectId: number, pairId: bigint): Promise<{ status: "in_review" }> {
  return db.transaction(async (tx) => {
    const [p] = await lockPairs(tx, projectId, [String(pairId)]);
    if (!p) throw new NotFoundError("Pair not found in this project.");
    if (p.is_gold) throw new ConflictError("A gold pair keeps its known answer: retire it from gold first.");
    if (p.status === "in_review") throw new ConflictError("This pair is already waiting for review.");
    if (p.status === "open") throw new ConflictError("This pair has no labels to review yet.");
    await sendToReviewIn(tx, actor.id, projectId, [p.id]);
    return { status: "in_review" as const };
  });
}

/**
 * Reopens a pair for one more label: its answer is withdrawn (pair.reopened, reason other), the labels it
 * has stay, and it wants one label more than it holds, so the next annotator's label settles it again.
 */
export async function reopenPair(db: Db, actor: TActor, projectId: number, pairId: bigint): Promise<{ status: "open" }> {
  return db.transaction(async (tx) => {
    const [p] = await lockPairs(tx, projectId, [String(pairId)]);
    if (!p) throw new NotFoundError("Pair not found in this project.");
    if (p.is_gold) throw new ConflictError("A gold pair is not labelled as regular work: retire it from gold first.");
    if (p.status === "open") throw new ConflictError("This pair is already open for labelling.");
    const [w] = await tx.query<{ wanted: number }>(`SELECT greatest(wanted, taken)::int + 1 AS wanted FROM pairs WHERE id = $1`, [p.id]);
    if (w!.wanted > 5) throw new ConflictError("This pair already wants the most labels a pair can have (5).");
    await tx.query(`SELECT set_config('loupe.reopen_reason', 'other', true)`);
    await tx.query(
      `UPDATE pairs SET status = 'open', wanted = $2::smallint, final_decision = NULL, final_instruction = NULL, final_reasons = '{}',
         final_source = NULL, finalized_at = NULL, agreement = NULL, review_reasons = '{}', routed_at = NULL,
         reviewed_by = NULL, reviewed_at = NULL, review_note = NULL, review_submission_id = NULL,
         review_claimed_by = NULL, review_claimed_until = NULL
       WHERE id = $1`,
      [p.id, w!.wanted],
    );
    await tx.query(`SELECT set_config('loupe.reopen_reason', '', true)`);
    await recordAudit(tx, {
      actorId: actor.id,
      action: "pair.reopen",
      subjectType: "pair",
      subjectId: p.id,
      data: { projectId, previousStatus: p.status, wanted: w!.wanted },
    });
    return { status: "open" as const };
  });
}

export const BULK_ACTIONS = ["review", "retire-gold", "export"] as const;
export type TBulkAction = (typeof BULK_ACTIONS)[number];

export const ZBulkRequest = z.object({
  action: z.enum(BULK_ACTIONS, { error: "Choose send to review, retire gold or export." }),
  filters: ZBrowseFilters,
  /** The count the person confirmed: a different count now means the set changed under them. */
  expected: z.number().int().min(0).optional(),
  format: z.enum(EXPORT_FORMATS).optional(),
});
export type TBulkRequest = z.input<typeof ZBulkRequest>;

export const ZBulkCountRequest = z.object({ action: z.enum(BULK_ACTIONS), filters: ZBrowseFilters });

/** The pairs a bulk action would act on: the filter narrowed to the pairs the action applies to; null when none can match. */
function actionFilters(action: TBulkAction, f: TBrowseFilters): TBrowseFilters | null {
  if (action === "retire-gold") return f.gold === "exclude" || f.gold === "retired" ? null : { ...f, gold: "active" };
  if (action === "review") {
    // Gold pairs keep their answer; open pairs and pairs already in review have nothing to send.
    if (f.gold === "only" || f.gold === "active" || f.gold === "retired") return null;
    const status = (f.status ?? ["labelled", "final"]).filter((s) => s === "labelled" || s === "final");
    return status.length ? { ...f, status, gold: "exclude" } : null;
  }
  return f.status && !f.status.includes("final") ? null : { ...f, status: ["final"] };
}

/**
 * How many pairs the action would change, counted up to BULK_LIMIT + 1, for the confirmation. An export
 * takes any number (the count then reads "more than"); the other actions refuse more than BULK_LIMIT.
 */
export async function countBulk(db: Db, projectId: number, action: TBulkAction, filters: TBrowseFilters): Promise<{ count: number; limit: number }> {
  if (action === "export") toExportFilters(filters); // refuses filters an export cannot take, before anyone confirms
  const narrowed = actionFilters(action, filters);
  return { count: narrowed ? await countMatching(db, projectId, narrowed, BULK_LIMIT) : 0, limit: BULK_LIMIT };
}

export async function runBulk(db: Db, actor: TActor, projectId: number, req: z.infer<typeof ZBulkRequest>): Promise<{ changed: number; exportId?: string }> {
  const { count } = await countBulk(db, projectId, req.action, req.filters);
  if (req.action !== "export" && count > BULK_LIMIT) {
    throw new InvalidError(`This filter matches more than ${BULK_LIMIT.toLocaleString("en")} pairs: narrow it, then try again.`);
  }
  if (req.expected !== undefined && req.expected !== count) {
    throw new ConflictError(`The pairs matching this filter changed (now ${count.toLocaleString("en")}, you confirmed ${req.expected.toLocaleString("en")}). Look again, then confirm.`);
  }
  if (req.action === "export") {
    const view = await createExport(db, actor, projectId, { format: req.format ?? "canonical", filters: toExportFilters(req.filters) });
    return { changed: count, exportId: view.id };
  }
  const narrowed = actionFilters(req.action, req.filters);
  const ids = narrowed ? await matchingIds(db, projectId, narrowed, BULK_LIMIT) : [];
  if (req.action === "review") {
    const moved = await db.transaction((tx) => sendToReviewIn(tx, actor.id, projectId, ids));
    return { changed: moved.length };
  }
  let changed = 0;
  for (const id of ids) {
    const r = await setGoldActive(db, actor.id, BigInt(id), false);
    if (r.changed) changed += 1;
  }
  return { changed };
}
