import "server-only";
import { z } from "zod";
import type { Db } from "../db/connect";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import { recordAudit } from "../audit/record";

export const ZAnnotatorParams = z.object({
  projectId: z.coerce.number().int().positive(),
  userId: z.coerce.number().int().positive(),
});

/** Body of POST /api/projects/:projectId/annotators/:userId/pause: the reason the annotator will read. */
export const ZPauseRequest = z.strictObject({
  reason: z
    .string({ error: "Give a reason: the annotator sees it." })
    .trim()
    .min(3, "Give a reason of at least 3 characters: the annotator sees it.")
    .max(500, "Keep the reason under 500 characters."),
});

export interface TPauseState {
  userId: number;
  pausedAt: Date | null;
  liftedAt: Date | null;
}

/** Lifts a pause; `lifted_at` restarts gold accuracy, so the rule waits for a fresh minimum count. */
export async function liftPause(db: Db, projectId: number, userId: number, actorId: number): Promise<TPauseState> {
  return db.transaction(async (tx) => {
    // Locked: two admins lifting at once get one lift and one 409, never two audit rows.
    const rows = await tx.query<{ paused_at: Date | null; pause_reason: string | null }>(`
      SELECT paused_at, pause_reason FROM project_annotators
      WHERE project_id = $1 AND user_id = $2 FOR UPDATE`, [projectId, userId]);
    const row = rows[0];
    if (!row) throw new NotFoundError("This annotator has never been paused in this project.");
    if (!row.paused_at) throw new ConflictError("This annotator is not paused (the pause may have been lifted already).");
    const [lifted] = await tx.query<{ lifted_at: Date }>(`
      UPDATE project_annotators SET paused_at = NULL, lifted_at = now(), lifted_by = $1
      WHERE project_id = $2 AND user_id = $3
      RETURNING lifted_at`, [actorId, projectId, userId]);
    await recordAudit(tx, {
      actorId,
      action: "annotator.unpaused",
      subjectType: "user",
      subjectId: String(userId),
      data: { projectId, pausedAt: row.paused_at.toISOString(), reason: row.pause_reason },
    });
    return { userId, pausedAt: null, liftedAt: lifted?.lifted_at ?? null };
  });
}

/** Pauses an annotator by hand: claims and submits refuse them at once, and their leases go back to the pool. */
export async function pauseAnnotator(db: Db, projectId: number, userId: number, actorId: number, reason: string): Promise<TPauseState> {
  const parsed = ZPauseRequest.safeParse({ reason });
  if (!parsed.success) throw new InvalidError(parsed.error.issues[0]?.message ?? "Give a reason.");
  const text = parsed.data.reason;
  return db.transaction(async (tx) => {
    const [found] = await tx.query<{ project: boolean; user: boolean }>(`
      SELECT EXISTS (SELECT 1 FROM projects WHERE id = $1) AS project,
             EXISTS (SELECT 1 FROM users WHERE id = $2) AS user`, [projectId, userId]);
    if (!found?.project) throw new NotFoundError("Project not found.");
    if (!found.user) throw new NotFoundError("User not found.");
    // The leases first, as a submit does (lease, then pair, then the pause row from the gold
    // trigger): taking the pause row first deadlocked against a gold submit that paused them.
    await tx.query(`
      SELECT id FROM leases WHERE project_id = $1 AND annotator_id = $2 AND submitted_at IS NULL
      ORDER BY id FOR UPDATE`, [projectId, userId]);
    // Insert-or-lock in one statement, then judge the locked row: a concurrent gold-rule pause or a
    // second admin shows up as "already paused" rather than a double pause.
    await tx.query(`
      INSERT INTO project_annotators (project_id, user_id) VALUES ($1, $2)
      ON CONFLICT (project_id, user_id) DO NOTHING`, [projectId, userId]);
    const [row] = await tx.query<{ paused_at: Date | null }>(`
      SELECT paused_at FROM project_annotators WHERE project_id = $1 AND user_id = $2 FOR UPDATE`, [projectId, userId]);
    if (row?.paused_at) throw new ConflictError("This annotator is already paused in this project.");
    const [paused] = await tx.query<{ paused_at: Date; lifted_at: Date | null }>(`
      UPDATE project_annotators SET paused_at = now(), pause_reason = $1
      WHERE project_id = $2 AND user_id = $3
      RETURNING paused_at, lifted_at`, [text, projectId, userId]);
    const [gone] = await tx.query<{ n: number }>(`
      WITH gone AS (DELETE FROM leases WHERE project_id = $1 AND annotator_id = $2 AND submitted_at IS NULL RETURNING 1)
      SELECT count(*)::int AS n FROM gone`, [projectId, userId]);
    const released = gone?.n ?? 0;
    await recordAudit(tx, {
      actorId,
      action: "annotator.paused",
      subjectType: "user",
      subjectId: String(userId),
      data: { projectId, reason: text, leasesReleased: released },
    });
    return { userId, pausedAt: paused?.paused_at ?? null, liftedAt: paused?.lifted_at ?? null };
  });
}
