import "server-only";
import type { Db } from "../db/connect";
import { ConflictError, InvalidError, NotFoundError, PausedError } from "../errors";
import { recordAudit } from "../audit/record";
import type { TSubmitLabel } from "./schemas";
import type { SqlRunner } from "../db/sql";
import { LABEL_BY_SUBMISSION_SQL, SUBMIT_SQL } from "./sql";
import { pausedMessage, requireNotPaused } from "./claim";
import { requireProjectWork } from "../auth/project-access";

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
  outcome: "created" | "replayed" | "expired" | "decided" | "paused" | "bad_reasons";
  id: string | null;
  pair_id: string | null;
  annotator_id: number | null;
  decision: TStoredLabel["decision"] | null;
  reasons: string[] | null;
  recaption: string | null;
  seconds_spent: number | null;
  submission_id: string | null;
  created_at: Date | string | null;
};

function toStored(r: LabelRow): TStoredLabel {
  return {
    id: String(r.id),
    pairId: String(r.pair_id),
    decision: r.decision!,
    reasons: r.reasons ?? [],
    recaption: r.recaption,
    secondsSpent: Number(r.seconds_spent),
    submissionId: String(r.submission_id),
    createdAt: new Date(r.created_at!).toISOString(),
  };
}

function answerReplay(row: LabelRow, userId: number, input: TSubmitLabel) {
  if (row.annotator_id !== userId || row.pair_id !== String(input.pairId)) {
    throw new ConflictError("This submission id was already used for a different decision.");
  }
  return { label: toStored(row), replayed: true };
}

/** Records a decision on a leased pair (SUBMIT_SQL); a replayed submission id answers the stored label. */
export async function submitLabel(
  sql: SqlRunner,
  userId: number,
  input: TSubmitLabel,
): Promise<{ label: TStoredLabel; replayed: boolean }> {
  const reasons = input.decision === "reject" ? [...new Set(input.reasons)] : [];
  const rows = await sql.query<LabelRow>(
    SUBMIT_SQL,
    [String(input.pairId), userId, input.decision, reasons, input.decision === "recaption" ? input.recaption! : null,
      input.secondsSpent, input.submissionId],
    "loupe_submit",
  );
  const row = rows[0];
  switch (row?.outcome) {
    case "created":
      return { label: toStored(row), replayed: false };
    case "replayed":
      return answerReplay(row, userId, input);
    case "decided": {
      // Possibly our own concurrent copy that committed first: look the id up with a fresh snapshot.
      const again = await sql.query<LabelRow>(LABEL_BY_SUBMISSION_SQL, [input.submissionId]);
      if (again[0]) return answerReplay(again[0], userId, input);
      throw new ConflictError("You already decided this pair. Undo (Z) first to change your decision.", {
        reason: "already_decided",
      });
    }
    case "paused": {
      const projectId = await sql.query<{ project_id: number }>(
        `SELECT project_id FROM leases WHERE pair_id = $1 AND annotator_id = $2`, [String(input.pairId), userId]);
      await requireNotPaused(sql, projectId[0]?.project_id ?? 0, userId);
      throw new ConflictError("This decision was not saved.");
    }
    case "bad_reasons":
      throw new InvalidError(`Unknown reject reason(s) for this project: ${reasons.join(", ")}`);
    default: {
      const again = await sql.query<LabelRow>(LABEL_BY_SUBMISSION_SQL, [input.submissionId]);
      if (again[0]) return answerReplay(again[0], userId, input);
      // A pause ends the annotator's leases, and a claim's sweep may already have removed them:
      // tell them they are paused, not that their lease ran out.
      const pair = await sql.query<{ project_id: number }>(`SELECT project_id FROM pairs WHERE id = $1`, [String(input.pairId)]);
      if (pair[0]) await requireNotPaused(sql, pair[0].project_id, userId);
      throw new ConflictError(
        "Your lease on this pair expired and it went back to the queue, so this decision was not saved. Take the next pair.",
        { reason: "lease_expired" },
      );
    }
  }
}

/**
 * Takes back one of the annotator's decisions while its pair is still leased to them, to redo: the one on
 * `pairId` when the page names it (its history of the session's decisions), else the latest.
 */
export async function undoLastLabel(db: Db, userId: number, projectId: number, pairId?: bigint): Promise<{ pairId: string }> {
  return db.transaction(async (tx) => {
    await requireProjectWork(tx, projectId, userId, "annotate");
    // Named: exactly that pair's label, never the latest one instead (a submit still in flight may be newer).
    const rows = await tx.query<{ label_id: string; pair_id: string; gold_correct: boolean | null }>(`
      SELECT b.id::text AS label_id, b.pair_id::text AS pair_id, b.gold_correct FROM labels b
      WHERE b.annotator_id = $1 AND b.project_id = $2 AND ($3::bigint IS NULL OR b.pair_id = $3::bigint)
      ORDER BY b.created_at DESC, b.id DESC LIMIT 1
      FOR UPDATE`, [userId, projectId, pairId === undefined ? null : String(pairId)]);
    const last = rows[0];
    if (!last) {
      throw new NotFoundError(pairId === undefined ? "There is no decision to undo." : "That decision is no longer yours to undo: it was already undone.");
    }
    // Paused: taking back the check that paused them would leave a pause the figures no longer show,
    // and a re-opened lease they cannot decide.
    const paused = await tx.query<{ reason: string | null }>(`
      SELECT pause_reason AS reason FROM project_annotators
      WHERE project_id = $1 AND user_id = $2 AND paused_at IS NOT NULL`, [projectId, userId]);
    if (paused[0]) {
      throw new PausedError(pausedMessage(paused[0].reason));
    }
    // A reviewer's final word is not re-opened by an annotator's undo. A gold pair may carry one from
    // before it was promoted; undo re-opens nothing there, and refusing would give the pair away as gold.
    const reviewed = await tx.query<{ reviewed: boolean }>(`
      SELECT reviewed_at IS NOT NULL AND NOT is_gold AS reviewed FROM pairs WHERE id = $1`, [last.pair_id]);
    if (reviewed[0]?.reviewed) throw new ConflictError("Your last decision can no longer be undone: a reviewer has settled that pair.");
    // Lock the lease too, and judge it after the lock: the expiry sweep may be deleting it right now.
    const leases = await tx.query<{ id: string; live: boolean }>(`
      SELECT id::text AS id, expires_at > now() AS live FROM leases
      WHERE pair_id = $1 AND annotator_id = $2 FOR UPDATE`, [last.pair_id, userId]);
    const lease = leases[0];
    if (!lease || !lease.live) {
      throw new ConflictError("Your last decision can no longer be undone: its lease has ended.");
    }
    // The pair becomes undecided again, so it needs a free slot (claims use 1-2, undo may use 3).
    const slots = await tx.query<{ slot: number | null }>(`
      SELECT min(s)::int AS slot FROM generate_series(1, 3) s
      WHERE s NOT IN (SELECT slot FROM leases WHERE annotator_id = $1 AND project_id = $2
                        AND submitted_at IS NULL AND slot IS NOT NULL)`, [userId, projectId]);
    const slot = slots[0]?.slot;
    if (!slot) throw new ConflictError("Decide the pairs you have open before undoing another decision.");
    if (last.gold_correct !== null) {
      // Undo works on a gold check as on any pair (a refusal would tell it apart), but the first answer
      // keeps its score: the label that replaces it is scored with it (lib/quality/sql/gold.sql).
      await tx.query(
        `INSERT INTO gold_first_answers (pair_id, annotator_id, gold_correct) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
        [last.pair_id, userId, last.gold_correct],
      );
    }
    await tx.query(`DELETE FROM labels WHERE id = $1`, [last.label_id]);
    await tx.query(`UPDATE leases SET submitted_at = NULL, slot = $1::smallint WHERE id = $2`, [slot, lease.id]);
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
  await db.transaction(async (tx) => {
    const deleted = await tx.query(`
      DELETE FROM leases WHERE pair_id = $1 AND annotator_id = $2 AND submitted_at IS NULL RETURNING id`, [String(pairId), userId]);
    if (deleted.length === 0) throw new ConflictError("This pair is not leased to you (the lease may have expired).");
    await tx.query(`
      INSERT INTO skips (pair_id, annotator_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [String(pairId), userId]);
  });
}
