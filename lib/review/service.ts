import "server-only";
import type { Db } from "../db/connect";
import type { TInt8 } from "../db/sql";
import { recordAudit } from "../audit/record";
import { can, type TRole } from "../auth/permissions";
import { requireProjectWork } from "../auth/project-access";
import { ConflictError, ForbiddenError, InvalidError, NotFoundError } from "../errors";
import { parseReasons } from "../projects/reasons";
import { promoteToGold } from "../quality/gold";
import { loadReviewPair } from "./queries";
import type { TAdjudication } from "./schemas";
import { REVIEW_CLAIM_MINUTES, REVIEW_CLAIM_SQL, REVIEW_RELEASE_SQL, REVIEW_RENEW_SQL } from "./sql";
import { REVIEW_UNDO_MINUTES, type TAdjudicationResult, type TDecision, type TReviewFilters, type TReviewPair } from "./types";

function sqlState(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string }; meta?: { code?: string } };
  return e?.code ?? e?.cause?.code ?? e?.meta?.code;
}

/** The reviewer's next pair (REVIEW_CLAIM_SQL): their live claim matching the filters, else a new one; null when none. */
export async function claimReviewPair(
  db: Db,
  args: { projectId: number; reviewerId: number; exclude?: bigint[] } & TReviewFilters,
): Promise<TReviewPair | null> {
  // The review queue is not a hot path: one look at the project's team first answers a refusal with its reason.
  await requireProjectWork(db, args.projectId, args.reviewerId, "review");
  const params = [args.reviewerId, args.projectId, (args.exclude ?? []).map(String), args.reason ?? null, args.task ?? null,
    args.subtask ?? null];
  for (let attempt = 0; ; attempt++) {
    try {
      const [row] = await db.query<{ pair_id: string; resumed: boolean }>(REVIEW_CLAIM_SQL, params, "loupe_review_claim");
      if (row) {
        const pair = await loadReviewPair(db, row.pair_id, row.resumed);
        if (pair) return pair;
      }
      // A claim of ours that another tab settled while this statement renewed it comes back empty:
      // one more look finds the next pair.
      if (attempt === 0) continue;
      const project = await db.query(`SELECT 1 FROM projects WHERE id = $1`, [args.projectId]);
      if (project.length === 0) throw new NotFoundError("Project not found.");
      return null;
    } catch (err) {
      if (attempt < 5 && ["40001", "40P01", "55P03"].includes(sqlState(err) ?? "")) continue;
      throw err;
    }
  }
}

/** Extends the reviewer's claim on the pair on screen; 409 when someone else took it or it was settled. */
export async function renewReviewClaim(db: Db, reviewerId: number, pairId: bigint): Promise<{ claimExpiresAt: string }> {
  const [row] = await db.query<{ review_claimed_until: Date | string }>(REVIEW_RENEW_SQL, [String(pairId), reviewerId]);
  if (!row) throw new ConflictError("This pair is no longer yours to review: it was settled or another reviewer has it.");
  return { claimExpiresAt: new Date(row.review_claimed_until).toISOString() };
}

/** Hands the reviewer's claim back (skip). Answers whether there was one; skipping twice is harmless. */
export async function releaseReviewClaim(db: Db, reviewerId: number, pairId: bigint): Promise<{ released: boolean }> {
  const rows = await db.query(REVIEW_RELEASE_SQL, [String(pairId), reviewerId]);
  return { released: rows.length > 0 };
}

type LockedPair = {
  id: TInt8;
  project_id: number;
  status: string;
  instruction: string;
  review_reasons: string[];
  review_submission_id: string | null;
  claimer_name: string | null;
  claimed_by_other: boolean;
  reviewed_by: number | null;
  reviewer_name: string | null;
  reviewed_at: Date | null;
  review_note: string | null;
  final_decision: TDecision | null;
  final_instruction: string | null;
  final_reasons: string[];
  final_source: string | null;
  is_gold: boolean;
  reject_reasons: unknown;
  routed_at: Date | null;
  own_label: boolean;
};

function storedResult(p: LockedPair, replayed: boolean): TAdjudicationResult {
  return {
    replayed,
    pair: {
      id: String(p.id),
      status: "final",
      finalDecision: p.final_decision!,
      finalInstruction: p.final_instruction ?? p.instruction,
      finalReasons: p.final_reasons ?? [],
      reviewedBy: { id: p.reviewed_by!, name: p.reviewer_name ?? "a deleted user" },
      reviewedAt: new Date(p.reviewed_at!).toISOString(),
      note: p.review_note,
      isGold: p.is_gold,
    },
  };
}

function notInReview(p: LockedPair): ConflictError {
  if (p.status === "final" && p.reviewed_by !== null) {
    return new ConflictError(`This pair was already settled by ${p.reviewer_name ?? "another reviewer"}.`, { reason: "settled" });
  }
  if (p.status === "final") return new ConflictError(`This pair is already final (${p.final_source ?? "settled"}).`, { reason: "final" });
  return new ConflictError("This pair is no longer in review: an annotator took back their label, so it went back to the queue.", {
    reason: "reopened",
  });
}

/**
 * Settles a pair in review in one transaction: a replayed submission id gets the stored result, a pair
 * settled or under someone's live claim is a 409, reasons are checked against the taxonomy (400); then the
 * final label, the audit row and, when asked, the gold promotion.
 */
export async function adjudicatePair(
  db: Db,
  actor: { id: number; role: TRole },
  pairId: bigint,
  input: TAdjudication,
): Promise<TAdjudicationResult> {
  if (input.promoteToGold && !can(actor.role, "gold:promote")) {
    throw new ForbiddenError("Your role cannot promote pairs to gold.");
  }
  return db.transaction(async (tx) => {
    // Lock first, read after: under READ COMMITTED the read then takes a fresh snapshot, so a copy of
    // this submission that waited on the lock sees the row (and the reviewer's name) its twin wrote.
    const locked = await tx.query<{ id: string }>(`SELECT id FROM pairs WHERE id = $1 FOR NO KEY UPDATE`, [pairId]);
    if (locked.length === 0) throw new NotFoundError("Pair not found.");
    const rows = await tx.query<LockedPair>(`
      SELECT p.id, p.project_id, p.status::text AS status, p.instruction, p.review_reasons,
             p.review_submission_id::text AS review_submission_id,
             c.name AS claimer_name,
             (p.review_claimed_by IS NOT NULL AND p.review_claimed_by <> $1 AND p.review_claimed_until > now()) AS claimed_by_other,
             p.reviewed_by, r.name AS reviewer_name, p.reviewed_at, p.review_note,
             p.final_decision::text AS final_decision, p.final_instruction, p.final_reasons, p.final_source, p.is_gold,
             pr.reject_reasons, p.routed_at,
             EXISTS (SELECT 1 FROM labels b WHERE b.pair_id = p.id AND b.annotator_id = $1) AS own_label
      FROM pairs p
      JOIN projects pr ON pr.id = p.project_id
      LEFT JOIN users c ON c.id = p.review_claimed_by
      LEFT JOIN users r ON r.id = p.reviewed_by
      WHERE p.id = $2`, [actor.id, pairId]);
    const p = rows[0]!;
    if (p.status !== "in_review") {
      if (p.review_submission_id === input.submissionId && p.reviewed_by === actor.id) return storedResult(p, true);
      throw notInReview(p);
    }
    await requireProjectWork(tx, p.project_id, actor.id, "review");
    if (p.own_label) {
      throw new ForbiddenError("You labelled this pair yourself, so another reviewer settles it.");
    }
    if (input.routedAt !== undefined && (!p.routed_at || new Date(p.routed_at).toISOString() !== input.routedAt)) {
      throw new ConflictError("The labels on this pair changed since you opened it (an annotator took one back and labelled again). Look at it afresh.", {
        reason: "changed",
      });
    }
    if (p.claimed_by_other) {
      throw new ConflictError(`${p.claimer_name ?? "Another reviewer"} is reviewing this pair right now.`, { reason: "claimed" });
    }

    const reasons = input.decision === "reject" ? [...new Set(input.reasons)] : [];
    const known = new Set(parseReasons(p.reject_reasons).filter((r) => !r.retired).map((r) => r.code));
    const unknown = reasons.filter((r) => !known.has(r));
    if (unknown.length > 0) throw new InvalidError(`Unknown reject reason(s) for this project: ${unknown.join(", ")}`);

    // Accept and reject keep the original instruction; only a re-caption changes it.
    const original = p.instruction;
    let finalInstruction = original;
    if (input.decision === "recaption") {
      finalInstruction = input.instruction!.trim();
      if (finalInstruction.trim() === original.trim()) {
        throw new InvalidError("A re-caption must change the instruction; send an accept to keep the original.");
      }
    } else if (input.instruction !== undefined && input.instruction.trim() !== original.trim()) {
      throw new InvalidError(`An ${input.decision} keeps the original instruction; send a changed instruction as a re-caption.`);
    }

    // Trimmed here too: callers inside the server may skip the zod boundary.
    const note = input.note?.trim() || null;
    const updated = await tx.query<{ reviewed_at: Date }>(`
      UPDATE pairs SET status = 'final', final_decision = $1::"Decision", final_instruction = $2,
        final_reasons = $3::text[], final_source = 'review', finalized_at = now(),
        reviewed_by = $4, reviewed_at = now(), review_note = $5, review_submission_id = $6::uuid,
        review_claimed_by = NULL, review_claimed_until = NULL
      WHERE id = $7
      RETURNING reviewed_at`, [input.decision, finalInstruction, reasons, actor.id, note, input.submissionId, pairId]);
    await recordAudit(tx, {
      actorId: actor.id,
      action: "review.adjudicate",
      subjectType: "pair",
      subjectId: String(pairId),
      data: {
        projectId: p.project_id,
        decision: input.decision,
        instruction: finalInstruction,
        reasons,
        routingReasons: p.review_reasons ?? [],
        note,
        submissionId: input.submissionId,
      },
    });
    if (input.promoteToGold) await promoteToGold(tx, pairId, actor.id);
    const [me] = await tx.query<{ name: string }>(`SELECT name FROM users WHERE id = $1`, [actor.id]);
    return {
      replayed: false,
      pair: {
        id: String(pairId),
        status: "final",
        finalDecision: input.decision,
        finalInstruction,
        finalReasons: reasons,
        reviewedBy: { id: actor.id, name: me?.name ?? "" },
        reviewedAt: new Date(updated[0]!.reviewed_at).toISOString(),
        note,
        isGold: input.promoteToGold,
      },
    };
  });
}

/**
 * Takes back the reviewer's own adjudication (named by its submission id) within REVIEW_UNDO_MINUTES: the pair
 * goes back in review, claimed by them, with its labels and routing as before. Refused after the window, and
 * when anything changed the pair since (another adjudication, a gold promotion, a reopen): the check is on the
 * pair row itself, locked, so a concurrent change either commits first and is seen or waits for this one.
 * The pairs_webhook_reopened trigger queues pair.reopened (reason "review") in this transaction.
 */
export async function undoAdjudication(db: Db, reviewerId: number, pairId: bigint, submissionId: string): Promise<TReviewPair> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{
      project_id: number;
      status: string;
      final_source: string | null;
      final_decision: TDecision | null;
      final_instruction: string | null;
      final_reasons: string[];
      review_note: string | null;
      reviewed_by: number | null;
      review_submission_id: string | null;
      is_gold: boolean;
      in_window: boolean;
    }>(`
      SELECT project_id, status::text AS status, final_source, final_decision::text AS final_decision, final_instruction,
             final_reasons, review_note, reviewed_by, review_submission_id::text AS review_submission_id, is_gold,
             reviewed_at > now() - interval '${REVIEW_UNDO_MINUTES} minutes' AS in_window
      FROM pairs WHERE id = $1 FOR NO KEY UPDATE`, [String(pairId)]);
    const p = rows[0];
    if (!p) throw new NotFoundError("Pair not found.");
    const ours = p.status === "final" && p.final_source === "review" && p.reviewed_by === reviewerId
      && p.review_submission_id === submissionId;
    if (!ours) {
      throw new ConflictError("This decision can no longer be undone: the pair changed since you decided it.", { reason: "changed" });
    }
    if (p.is_gold) {
      throw new ConflictError("This decision can no longer be undone: the pair was promoted to gold. Edit or retire it on the gold page.", {
        reason: "gold",
      });
    }
    if (!p.in_window) {
      throw new ConflictError(`This decision can no longer be undone: undo is possible for ${REVIEW_UNDO_MINUTES} minutes after deciding.`, {
        reason: "window",
      });
    }
    await tx.query(`
      UPDATE pairs SET status = 'in_review', final_decision = NULL, final_instruction = NULL, final_reasons = '{}',
        final_source = NULL, finalized_at = NULL, reviewed_by = NULL, reviewed_at = NULL, review_note = NULL,
        review_submission_id = NULL,
        review_claimed_by = $2, review_claimed_until = now() + interval '${REVIEW_CLAIM_MINUTES} minutes'
      WHERE id = $1`, [String(pairId), reviewerId]);
    await recordAudit(tx, {
      actorId: reviewerId,
      action: "review.undo",
      subjectType: "pair",
      subjectId: String(pairId),
      data: {
        projectId: p.project_id,
        submissionId,
        previous: { decision: p.final_decision, instruction: p.final_instruction, reasons: p.final_reasons ?? [], note: p.review_note },
      },
    });
    const pair = await loadReviewPair(tx, String(pairId), true);
    if (!pair) throw new NotFoundError("Pair not found.");
    return pair;
  });
}
