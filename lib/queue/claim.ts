import "server-only";
import type { Db } from "../db/connect";
import type { SqlRunner } from "../db/sql";
import { NotFoundError, PausedError } from "../errors";
import { requireProjectWork } from "../auth/project-access";
import { CLAIM_SQL, LEASED_PAIR_SQL, MAX_LIVE_LEASES } from "./sql";
import type { TClaimedPair } from "./types";
import { toPairView, type TPairViewRow } from "./pair-view";

export type { TClaimedPair } from "./types";

type ClaimRow = TPairViewRow & {
  pair_id: string;
  expires_at: Date | string;
  resumed: boolean;
  instruction: string;
  instruction_cn: string | null;
  task: string | null;
  subtask: string | null;
};

function toClaimed(r: ClaimRow): TClaimedPair {
  return {
    id: String(r.pair_id),
    instruction: r.instruction,
    instructionCn: r.instruction_cn,
    task: r.task,
    subtask: r.subtask,
    ...toPairView(r),
    leaseExpiresAt: new Date(r.expires_at).toISOString(),
    resumed: r.resumed,
  };
}

function sqlState(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string }; meta?: { code?: string } };
  return e?.code ?? e?.cause?.code ?? e?.meta?.code;
}

/** The annotator's next pair (CLAIM_SQL): their live lease the client is not showing, else a new one; null when none. */
export async function claimNextPair(
  db: Db,
  args: { projectId: number; userId: number; exclude?: bigint[] },
): Promise<TClaimedPair | null> {
  const params = [args.userId, args.projectId, (args.exclude ?? []).map(String), MAX_LIVE_LEASES];
  for (let attempt = 0; ; attempt++) {
    try {
      const rows = await db.query<ClaimRow>(CLAIM_SQL, params, "loupe_claim");
      if (rows[0]) return toClaimed(rows[0]);
      // Nothing found. Slots freed by this statement's expiry sweep only show to the next one, so
      // look once more before telling the annotator the queue is empty.
      if (attempt === 0) continue;
      await requireNotPaused(db, args.projectId, args.userId);
      return null;
    } catch (err) {
      // unique/check violation: the same user claimed concurrently (two tabs) and won the race;
      // deadlock/serialization/lock-not-available: transient. All are answered by trying again.
      const code = sqlState(err);
      if (attempt < 5 && ["23505", "23514", "40001", "40P01", "55P03"].includes(code ?? "")) continue;
      throw err;
    }
  }
}

/** A pair the user holds a live lease on (used after undo to put it back on screen), or null. */
export async function getLeasedPair(db: Db, userId: number, pairId: bigint): Promise<TClaimedPair | null> {
  const rows = await db.query<ClaimRow>(LEASED_PAIR_SQL, [userId, String(pairId)], "loupe_leased_pair");
  return rows[0] ? toClaimed(rows[0]) : null;
}

/** Returns expired leases to the pool outside a claim (maintenance, tests). */
export async function releaseExpiredLeases(db: Db, limit = 500): Promise<number> {
  const rows = await db.query<{ n: string | number }>(
    `WITH d AS (DELETE FROM leases WHERE id IN (
       SELECT id FROM leases WHERE expires_at <= now() ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
     RETURNING 1) SELECT count(*) AS n FROM d`,
    [limit],
  );
  return Number(rows[0]?.n ?? 0);
}

/**
 * Turns the claim's empty answer into NotFoundError, ForbiddenError (archived, not in the project's team)
 * or PausedError; the SQL itself refuses them all.
 */
export async function requireNotPaused(tx: SqlRunner, projectId: number, userId: number): Promise<void> {
  await requireProjectWork(tx, projectId, userId, "annotate");
  const rows = await tx.query<{ paused_at: Date | null; pause_reason: string | null }>(
    `SELECT pa.paused_at, pa.pause_reason FROM projects pr
     LEFT JOIN project_annotators pa ON pa.project_id = pr.id AND pa.user_id = $2
     WHERE pr.id = $1`,
    [projectId, userId],
  );
  if (!rows[0]) throw new NotFoundError("Project not found.");
  if (rows[0].paused_at) {
    throw new PausedError(pausedMessage(rows[0].pause_reason));
  }
}

export function pausedMessage(reason: string | null): string {
  return `You are paused from this project. ${reason ?? ""} An admin can lift the pause.`.replace(/\s+/g, " ").trim();
}
