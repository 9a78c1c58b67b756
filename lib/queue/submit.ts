import "server-only";
import type { Db } from "../db/connect";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import { parseReasons } from "../projects/reasons";
import { recordAudit } from "../audit/record";
import type { TSubmitLabel } from "./schemas";

export interface TStoredLabel {
  id: string;
  pairId: string;
  decision: "accept" | "reject" | "recaption";
  reasons: string[];
  recaption: string | null;
  secondsSpent: number;
  submissionId: string;
  createdAt: string;
}

type LabelRow = {
  id: bigint;
  pair_id: bigint;
  annotator_id: number;
  decision: TStoredLabel["decision"];
  reasons: string[];
  recaption: string | null;
  seconds_spent: number;
  submission_id: string;
  created_at: Date;
};

function toStored(r: LabelRow): TStoredLabel {
  return {
    id: String(r.id),
    pairId: String(r.pair_id),
    decision: r.decision,
    reasons: r.reasons,
    recaption: r.recaption,
    secondsSpent: r.seconds_spent,
    submissionId: r.submission_id,
    createdAt: r.created_at.toISOString(),
  };
}

/**
 * Records a decision on a pair the annotator holds a live lease on. Idempotent by submission id:
 * a replay (double click, retry after a dropped response) answers with the stored label and
 * changes nothing. The lease is locked first so two concurrent copies of one submission serialise
 * and the second sees the first's label.
 */
export async function submitLabel(
  db: Db,
  userId: number,
  input: TSubmitLabel,
): Promise<{ label: TStoredLabel; replayed: boolean }> {
  return db.$transaction(async (tx) => {
    const leases = await tx.$queryRaw<{ id: bigint; project_id: number; expired: boolean; submitted: boolean }[]>`
      SELECT id, project_id, expires_at <= now() AS expired, submitted_at IS NOT NULL AS submitted
      FROM leases WHERE pair_id = ${input.pairId} AND annotator_id = ${userId} FOR UPDATE`;
    const prior = await tx.$queryRaw<LabelRow[]>`
      SELECT * FROM labels WHERE submission_id = ${input.submissionId}::uuid`;
    if (prior[0]) {
      if (prior[0].annotator_id !== userId || prior[0].pair_id !== input.pairId) {
        throw new ConflictError("This submission id was already used for a different decision.");
      }
      return { label: toStored(prior[0]), replayed: true };
    }
    const lease = leases[0];
    if (!lease || lease.expired) {
      throw new ConflictError(
        "Your lease on this pair expired and it went back to the queue, so this decision was not saved. Take the next pair.",
        { reason: "lease_expired" },
      );
    }
    if (lease.submitted) {
      throw new ConflictError("You already decided this pair. Undo (Z) first to change your decision.", {
        reason: "already_decided",
      });
    }
    if (input.decision === "reject") {
      const project = await tx.project.findUnique({ where: { id: lease.project_id }, select: { rejectReasons: true } });
      const known = new Set(parseReasons(project?.rejectReasons).map((r) => r.code));
      const unknown = input.reasons.filter((r) => !known.has(r));
      if (unknown.length) throw new InvalidError(`Unknown reject reason(s) for this project: ${unknown.join(", ")}`);
    }
    const rows = await tx.$queryRaw<LabelRow[]>`
      INSERT INTO labels (pair_id, project_id, annotator_id, decision, reasons, recaption, seconds_spent, submission_id)
      VALUES (${input.pairId}, ${lease.project_id}, ${userId}, ${input.decision}::"Decision",
              ${[...new Set(input.reasons)]}::text[], ${input.decision === "recaption" ? input.recaption! : null},
              ${input.secondsSpent}, ${input.submissionId}::uuid)
      RETURNING *`;
    await tx.$executeRaw`UPDATE leases SET submitted_at = now() WHERE id = ${lease.id}`;
    const label = toStored(rows[0]!);
    await recordAudit(tx, {
      actorId: userId,
      action: "label.create",
      subjectType: "pair",
      subjectId: label.pairId,
      data: { labelId: label.id, decision: label.decision, reasons: label.reasons },
    });
    return { label, replayed: false };
  });
}

/**
 * Takes back the annotator's most recent decision in a project while its pair is still leased to
 * them: the label is deleted and the lease becomes undecided again, so the pair is theirs to redo.
 */
export async function undoLastLabel(db: Db, userId: number, projectId: number): Promise<{ pairId: string }> {
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<{ label_id: bigint; pair_id: bigint; lease_id: bigint | null; live: boolean | null }[]>`
      SELECT b.id AS label_id, b.pair_id, l.id AS lease_id, l.expires_at > now() AS live
      FROM labels b
      LEFT JOIN leases l ON l.pair_id = b.pair_id AND l.annotator_id = b.annotator_id
      WHERE b.annotator_id = ${userId} AND b.project_id = ${projectId}
      ORDER BY b.created_at DESC, b.id DESC LIMIT 1
      FOR UPDATE OF b`;
    const last = rows[0];
    if (!last) throw new NotFoundError("There is no decision to undo.");
    if (!last.lease_id || !last.live) {
      throw new ConflictError("Your last decision can no longer be undone: its lease has ended.");
    }
    await tx.$executeRaw`DELETE FROM labels WHERE id = ${last.label_id}`;
    await tx.$executeRaw`UPDATE leases SET submitted_at = NULL WHERE id = ${last.lease_id}`;
    await recordAudit(tx, {
      actorId: userId,
      action: "label.undo",
      subjectType: "pair",
      subjectId: String(last.pair_id),
      data: { labelId: String(last.label_id) },
    });
    return { pairId: String(last.pair_id) };
  });
}

/** Hands an undecided pair back to the pool and remembers not to offer it to this annotator again. */
export async function skipPair(db: Db, userId: number, pairId: bigint): Promise<void> {
  await db.$transaction(async (tx) => {
    const deleted = await tx.$executeRaw`
      DELETE FROM leases WHERE pair_id = ${pairId} AND annotator_id = ${userId} AND submitted_at IS NULL`;
    if (deleted === 0) throw new ConflictError("This pair is not leased to you (the lease may have expired).");
    await tx.$executeRaw`
      INSERT INTO skips (pair_id, annotator_id) VALUES (${pairId}, ${userId}) ON CONFLICT DO NOTHING`;
  });
}
