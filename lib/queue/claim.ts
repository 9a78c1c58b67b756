import "server-only";
import type { Db } from "../db/connect";
import { NotFoundError } from "../errors";

/** A client may hold this many live leases in a project: the pair on screen and the prefetched next one. */
export const MAX_LIVE_LEASES = 2;

export interface TClaimedPair {
  id: string;
  instruction: string;
  instructionCn: string | null;
  task: string | null;
  subtask: string | null;
  sourceImage: string;
  editedImage: string;
  maskImage: string | null;
  leaseExpiresAt: string;
  resumed: boolean;
}

type ClaimRow = {
  pair_id: bigint;
  expires_at: Date;
  resumed: boolean;
  instruction: string;
  instruction_cn: string | null;
  task: string | null;
  subtask: string | null;
  source_image: string;
  edited_image: string;
  mask_image: string | null;
};

function toClaimed(r: ClaimRow): TClaimedPair {
  return {
    id: String(r.pair_id),
    instruction: r.instruction,
    instructionCn: r.instruction_cn,
    task: r.task,
    subtask: r.subtask,
    sourceImage: r.source_image.trim(),
    editedImage: r.edited_image.trim(),
    maskImage: r.mask_image?.trim() ?? null,
    leaseExpiresAt: r.expires_at.toISOString(),
    resumed: r.resumed,
  };
}

/** A pair the user holds a live lease on (used after undo to put it back on screen), or null. */
export async function getLeasedPair(db: Db, userId: number, pairId: bigint): Promise<TClaimedPair | null> {
  const rows = await db.$queryRaw<ClaimRow[]>`
    SELECT l.pair_id, l.expires_at, true AS resumed, p.instruction, p.instruction_cn, p.task, p.subtask,
           p.source_image, p.edited_image, p.mask_image
    FROM leases l JOIN pairs p ON p.id = l.pair_id
    WHERE l.pair_id = ${pairId} AND l.annotator_id = ${userId} AND l.expires_at > now()`;
  return rows[0] ? toClaimed(rows[0]) : null;
}

/**
 * Returns expired leases to the pool. SKIP LOCKED so concurrent callers split the work instead of
 * queueing on each other; the trigger on `leases` gives each freed slot back to its pair.
 */
export async function releaseExpiredLeases(db: Db, limit = 500): Promise<number> {
  return db.$executeRaw`
    DELETE FROM leases WHERE id IN (
      SELECT id FROM leases WHERE expires_at <= now()
      ORDER BY expires_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)`;
}

function isRetryable(err: unknown): boolean {
  const msg = String((err as { message?: string })?.message ?? "");
  const code = (err as { code?: string; meta?: { code?: string } })?.meta?.code ?? (err as { code?: string })?.code;
  // unique_violation / check_violation / serialization: a concurrent claim by the same user won the race.
  return code === "23505" || code === "23514" || code === "40001" || /23505|23514|40001|unique|check constraint/i.test(msg);
}

/**
 * Gives the annotator their next pair in one statement. If they already hold a live, undecided
 * lease (other than the ones the client says it is showing), that lease comes back; otherwise one
 * open pair is locked with SKIP LOCKED, so concurrent claimers never wait on or receive the same row,
 * and a lease is inserted for it. The database constraints (pairs_taken_check, unique lease and
 * label per annotator) make a double assignment impossible even if this query were wrong.
 */
export async function claimNextPair(
  db: Db,
  args: { projectId: number; userId: number; exclude?: bigint[] },
): Promise<TClaimedPair | null> {
  const project = await db.project.findUnique({ where: { id: args.projectId }, select: { leaseSeconds: true } });
  if (!project) throw new NotFoundError("Project not found.");
  const exclude = args.exclude ?? [];
  await releaseExpiredLeases(db);
  for (let attempt = 0; ; attempt++) {
    try {
      const rows = await db.$queryRaw<ClaimRow[]>`
        WITH mine AS (
          SELECT l.pair_id, l.expires_at FROM leases l
          WHERE l.annotator_id = ${args.userId} AND l.project_id = ${args.projectId}
            AND l.submitted_at IS NULL AND l.expires_at > now()
            AND NOT (l.pair_id = ANY(${exclude}::bigint[]))
          ORDER BY l.created_at LIMIT 1
        ), live AS (
          SELECT count(*) AS n FROM leases l
          WHERE l.annotator_id = ${args.userId} AND l.project_id = ${args.projectId}
            AND l.submitted_at IS NULL AND l.expires_at > now()
        ), picked AS (
          SELECT p.id FROM pairs p
          WHERE p.project_id = ${args.projectId} AND p.taken < p.wanted
            AND NOT EXISTS (SELECT 1 FROM mine)
            AND (SELECT n FROM live) < ${MAX_LIVE_LEASES}
            AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.pair_id = p.id AND l.annotator_id = ${args.userId})
            AND NOT EXISTS (SELECT 1 FROM labels b WHERE b.pair_id = p.id AND b.annotator_id = ${args.userId})
            AND NOT EXISTS (SELECT 1 FROM skips s WHERE s.pair_id = p.id AND s.annotator_id = ${args.userId})
          ORDER BY p.id
          LIMIT 1
          FOR UPDATE SKIP LOCKED
        ), ins AS (
          INSERT INTO leases (pair_id, project_id, annotator_id, expires_at)
          SELECT id, ${args.projectId}, ${args.userId}, now() + make_interval(secs => ${project.leaseSeconds})
          FROM picked
          RETURNING pair_id, expires_at
        ), got AS (
          SELECT pair_id, expires_at, false AS resumed FROM ins
          UNION ALL
          SELECT pair_id, expires_at, true AS resumed FROM mine
        )
        SELECT g.pair_id, g.expires_at, g.resumed, p.instruction, p.instruction_cn, p.task, p.subtask,
               p.source_image, p.edited_image, p.mask_image
        FROM got g JOIN pairs p ON p.id = g.pair_id`;
      const row = rows[0];
      return row ? toClaimed(row) : null;
    } catch (err) {
      if (attempt < 3 && isRetryable(err)) continue;
      throw err;
    }
  }
}
