import "server-only";
import { z } from "zod";
import type { Db, SqlRunner } from "../db/connect";
import { recordAudit } from "../audit/record";
import { ConflictError, ForbiddenError, InvalidError, NotFoundError } from "../errors";
import { parseReasons } from "../projects/reasons";
import { ZPairId } from "../params";
import { KEPT_GOLD_SUMMARY, KEPT_TALLIES } from "./kept";

// Gold pairs: a known answer, served at the project's gold rate and scored by the label trigger
// (labels.gold_correct). Every change here commits with its audit row.

type TDecision = "accept" | "reject" | "recaption";

/** A gold item stands out as suspect when at least this many checks were made and most were "wrong". */
export const GOLD_FLAG_MIN_CHECKS = 3;
export const GOLD_PAGE_SIZE = 50;

export const ZGoldPromote = z.object({ projectId: z.number().int().positive(), pairId: ZPairId });

export const ZGoldUpdate = z
  .object({
    decision: z.enum(["accept", "reject", "recaption"]),
    reasons: z.array(z.string().min(1).max(60)).max(20).default([]),
    instruction: z
      .string()
      .trim()
      .max(4000)
      .nullish()
      .transform((s) => (s ? s : null)),
  })
  .superRefine((v, ctx) => {
    if (v.decision !== "reject" && v.reasons.length > 0) {
      ctx.addIssue({ code: "custom", path: ["reasons"], message: "Expected reasons are only given with a reject." });
    }
    if (v.decision !== "recaption" && v.instruction !== null) {
      ctx.addIssue({ code: "custom", path: ["instruction"], message: "A reference re-caption is only given with a re-caption." });
    }
  });
export type TGoldUpdate = z.infer<typeof ZGoldUpdate>;

export const ZGoldActive = z.object({ active: z.boolean() });

export interface TGoldAnswer {
  decision: TDecision;
  reasons: string[];
  instruction: string | null;
}

/** Makes a final, non-gold pair gold with its final label as the answer, in the caller's transaction. */
export async function promoteToGold(tx: SqlRunner, pairId: bigint, actorId: number, projectId?: number): Promise<TGoldAnswer> {
  const rows = await tx.query<{ project_id: number; status: string; is_gold: boolean; final_source: string | null }>(`
    SELECT project_id, status::text AS status, is_gold, final_source FROM pairs WHERE id = $1 FOR NO KEY UPDATE`, [pairId]);
  const p = rows[0];
  // Scoped by the project the caller is looking at: a pair id typed on one project's page must not
  // turn another project's pair into gold.
  if (!p || (projectId !== undefined && p.project_id !== projectId)) throw new NotFoundError("Pair not found in this project.");
  if (p.is_gold) throw new ConflictError("This pair is already gold.");
  if (p.status !== "final") throw new ConflictError("Only a final pair can become gold: settle it first.");
  const [g] = await tx.query<{ decision: TDecision; reasons: string[]; instruction: string | null }>(`
    UPDATE pairs SET is_gold = true, gold_active = true, gold_decision = final_decision, gold_reasons = final_reasons,
      gold_instruction = CASE WHEN final_decision = 'recaption' THEN final_instruction END
    WHERE id = $1
    RETURNING gold_decision::text AS decision, gold_reasons AS reasons, gold_instruction AS instruction`, [pairId]);
  const answer: TGoldAnswer = { decision: g!.decision, reasons: g!.reasons ?? [], instruction: g!.instruction };
  await recordAudit(tx, {
    actorId,
    action: "gold.promote",
    subjectType: "pair",
    subjectId: String(pairId),
    data: { projectId: p.project_id, finalSource: p.final_source, ...answer },
  });
  return answer;
}

/** Promotes an already final pair on its own (POST /api/gold); never by someone who labelled it. */
export async function promotePair(db: Db, actorId: number, projectId: number, pairId: bigint): Promise<TGoldAnswer> {
  return db.transaction(async (tx) => {
    const own = await tx.query(`SELECT 1 FROM labels WHERE pair_id = $1 AND annotator_id = $2`, [pairId, actorId]);
    if (own.length > 0) throw new ForbiddenError("You labelled this pair yourself, so someone else decides whether it becomes gold.");
    return promoteToGold(tx, pairId, actorId, projectId);
  });
}

type GoldRow = {
  project_id: number;
  instruction: string;
  decision: TDecision;
  reasons: string[];
  reference: string | null;
  gold_active: boolean;
  final_source: string | null;
  reject_reasons: unknown;
};

async function lockGold(tx: SqlRunner, pairId: bigint): Promise<GoldRow> {
  const locked = await tx.query<{ is_gold: boolean }>(`SELECT is_gold FROM pairs WHERE id = $1 FOR NO KEY UPDATE`, [pairId]);
  if (!locked[0]?.is_gold) throw new NotFoundError("Gold pair not found.");
  const [row] = await tx.query<GoldRow>(`
    SELECT p.project_id, p.instruction, p.gold_decision::text AS decision, p.gold_reasons AS reasons,
           p.gold_instruction AS reference, p.gold_active, p.final_source, pr.reject_reasons
    FROM pairs p JOIN projects pr ON pr.id = p.project_id WHERE p.id = $1`, [pairId]);
  return row!;
}

/** Changes a gold answer and re-scores labels with the trigger's SQL; pauses already made stay for an admin to lift. */
export async function updateGold(
  db: Db,
  actorId: number,
  pairId: bigint,
  input: TGoldUpdate,
): Promise<TGoldAnswer & { checks: number; correctBefore: number; correctAfter: number }> {
  return db.transaction(async (tx) => {
    const g = await lockGold(tx, pairId);
    const reasons = input.decision === "reject" ? [...new Set(input.reasons)] : [];
    const known = new Set(parseReasons(g.reject_reasons).map((r) => r.code));
    const unknown = reasons.filter((r) => !known.has(r));
    if (unknown.length > 0) throw new InvalidError(`Unknown reject reason(s) for this project: ${unknown.join(", ")}`);
    const instruction = input.decision === "recaption" ? input.instruction : null;

    const score = async () => {
      const [s] = await tx.query<{ checks: number; correct: number }>(`
        SELECT count(*)::int AS checks, (count(*) FILTER (WHERE gold_correct))::int AS correct
        FROM labels WHERE pair_id = $1 AND gold_correct IS NOT NULL`, [pairId]);
      return s!;
    };
    const before = await score();
    await tx.query(`
      UPDATE pairs SET gold_decision = $1::"Decision", gold_reasons = $2::text[], gold_instruction = $3,
        final_decision = CASE WHEN final_source = 'gold' THEN $1::"Decision" ELSE final_decision END,
        final_reasons = CASE WHEN final_source = 'gold' THEN $2::text[] ELSE final_reasons END,
        final_instruction = CASE WHEN final_source IS DISTINCT FROM 'gold' THEN final_instruction
                                 WHEN $1 = 'recaption' THEN coalesce($3, final_instruction, instruction)
                                 ELSE instruction END
      WHERE id = $4`, [input.decision, reasons, instruction, pairId]);
    await tx.query(`
      UPDATE labels b SET gold_correct = loupe_gold_correct(p.gold_decision, p.gold_reasons, p.gold_instruction,
                                                            b.decision, b.reasons, b.recaption, pr.gold_recaption_threshold)
      FROM pairs p JOIN projects pr ON pr.id = p.project_id
      WHERE p.id = $1 AND b.pair_id = p.id AND b.gold_correct IS NOT NULL`, [pairId]);
    const after = await score();
    const answer: TGoldAnswer = { decision: input.decision, reasons, instruction };
    await recordAudit(tx, {
      actorId,
      action: "gold.update",
      subjectType: "pair",
      subjectId: String(pairId),
      data: {
        projectId: g.project_id,
        before: { decision: g.decision, reasons: g.reasons ?? [], instruction: g.reference },
        after: { ...answer },
        checks: after.checks,
        correctBefore: before.correct,
        correctAfter: after.correct,
      },
    });
    return { ...answer, checks: after.checks, correctBefore: before.correct, correctAfter: after.correct };
  });
}

/** Retires (no longer served nor scored) or reactivates a gold pair. Setting the state it has is a no-op. */
export async function setGoldActive(db: Db, actorId: number, pairId: bigint, active: boolean): Promise<{ active: boolean; changed: boolean }> {
  return db.transaction(async (tx) => {
    const g = await lockGold(tx, pairId);
    if (g.gold_active === active) return { active, changed: false };
    await tx.query(`UPDATE pairs SET gold_active = $1 WHERE id = $2`, [active, pairId]);
    await recordAudit(tx, {
      actorId,
      action: active ? "gold.activate" : "gold.retire",
      subjectType: "pair",
      subjectId: String(pairId),
      data: { projectId: g.project_id },
    });
    return { active, changed: true };
  });
}

export interface TGoldItem {
  id: string;
  externalId: string;
  instruction: string;
  task: string | null;
  subtask: string | null;
  decision: TDecision;
  reasons: string[];
  reference: string | null;
  active: boolean;
  /** How the pair became gold: 'gold' (imported as gold), 'review' or 'consensus' (promoted). */
  source: string | null;
  sourceImage: string;
  editedImage: string;
  checks: number;
  correct: number;
  /** Most annotators "wrong" on it: the expected answer may be the mistake. */
  suspect: boolean;
}

export interface TGoldSummary {
  total: number;
  active: number;
  retired: number;
  checks: number;
  correct: number;
  suspect: number;
}

type ItemRow = {
  id: string;
  external_id: string;
  instruction: string;
  task: string | null;
  subtask: string | null;
  decision: TDecision;
  reasons: string[];
  reference: string | null;
  gold_active: boolean;
  final_source: string | null;
  source_image: string;
  edited_image: string;
  checks: number;
  correct: number;
};

function isSuspect(checks: number, correct: number): boolean {
  return checks >= GOLD_FLAG_MIN_CHECKS && correct * 2 < checks;
}

/** One keyset page of a project's gold pairs (`after`: the last id of the previous page), with their scores. */
export async function listGold(
  db: Db,
  projectId: number,
  opts: { after?: bigint; suspectOnly?: boolean; limit?: number } = {},
): Promise<{ items: TGoldItem[]; nextCursor: string | null }> {
  const limit = opts.limit ?? GOLD_PAGE_SIZE;
  const after = opts.after ?? 0n;
  const suspectOnly = opts.suspectOnly ?? false;
  // A gold pair's checks are its scored labels, counted over labels_gold_pair_idx. The suspect filter
  // starts from those counts (the pairs with enough checks and mostly wrong answers, in id order), so a
  // project with few suspects is not walked pair by pair looking for them.
  const rows = await db.query<ItemRow>(`
    WITH s AS (
      SELECT b.pair_id, count(*)::int AS checks, (count(*) FILTER (WHERE b.gold_correct))::int AS correct
      FROM labels b WHERE b.project_id = $1 AND b.gold_correct IS NOT NULL AND b.pair_id > $2 AND $3
      GROUP BY b.pair_id HAVING count(*) >= $4 AND count(*) FILTER (WHERE b.gold_correct) * 2 < count(*)
      ORDER BY b.pair_id LIMIT $5
    ), ids AS (
      SELECT pair_id AS id FROM s
      UNION ALL
      (SELECT p.id FROM pairs p WHERE NOT $3 AND p.project_id >= $1 AND p.project_id <= $1 AND p.is_gold AND p.id > $2
       ORDER BY p.project_id, p.id LIMIT $5)
    )
    SELECT p.id::text AS id, p.external_id, p.instruction, p.task, p.subtask, p.gold_decision::text AS decision,
           p.gold_reasons AS reasons, p.gold_instruction AS reference, p.gold_active, p.final_source,
           coalesce(p.source_preview, p.source_image) AS source_image, coalesce(p.edited_preview, p.edited_image) AS edited_image,
           c.checks, c.correct
    FROM ids JOIN pairs p ON p.id = ids.id
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS checks, (count(*) FILTER (WHERE b.gold_correct))::int AS correct
      FROM labels b WHERE b.pair_id = p.id AND b.gold_correct IS NOT NULL) c
    WHERE p.is_gold
    ORDER BY p.id`, [projectId, after, suspectOnly, GOLD_FLAG_MIN_CHECKS, limit + 1]);
  const items = rows.slice(0, limit).map((r): TGoldItem => ({
    id: r.id,
    externalId: r.external_id,
    instruction: r.instruction,
    task: r.task,
    subtask: r.subtask,
    decision: r.decision,
    reasons: r.reasons ?? [],
    reference: r.reference,
    active: r.gold_active,
    source: r.final_source,
    sourceImage: r.source_image.trim(),
    editedImage: r.edited_image.trim(),
    checks: Number(r.checks),
    correct: Number(r.correct),
    suspect: isSuspect(Number(r.checks), Number(r.correct)),
  }));
  return { items, nextCursor: rows.length > limit ? items[items.length - 1]!.id : null };
}

export async function getGoldSummary(db: Db, projectId: number): Promise<TGoldSummary> {
  // Kept figures: sizes from the pair tallies (gold pairs are final), checks, correct answers and suspect
  // pairs from gold_summary (lib/quality/sql/aggregates.sql, whose loupe_gold_suspect is isSuspect here).
  const [r] = await db.query<{ total: number; active: number; checks: number; correct: number; suspect: number }>(`
    SELECT t.total, t.active, g.checks, g.correct, g.suspect
    FROM (SELECT coalesce(sum(pairs), 0)::int AS total, coalesce(sum(pairs) FILTER (WHERE gold_active), 0)::int AS active
          FROM ${KEPT_TALLIES} t WHERE t.project_id = $1 AND t.is_gold) t,
         (SELECT coalesce(sum(checks), 0)::int AS checks, coalesce(sum(correct), 0)::int AS correct, coalesce(sum(suspect), 0)::int AS suspect
          FROM ${KEPT_GOLD_SUMMARY} k WHERE k.project_id = $1) g`, [projectId]);
  const total = Number(r?.total ?? 0);
  const active = Number(r?.active ?? 0);
  return { total, active, retired: total - active, checks: Number(r?.checks ?? 0), correct: Number(r?.correct ?? 0), suspect: Number(r?.suspect ?? 0) };
}
