import "server-only";
import type { Db } from "../db/connect";
import { getQueue, type TJobContext, type TJobHandler } from "../db/boss";
import { recordAudit } from "../audit/record";
import { InvalidError, NotFoundError } from "../errors";
import { getStorage } from "../storage/config";
import { exportPrefix } from "../storage/keys";
import type { Storage } from "../storage/types";
import type { TDeletionAccount } from "./schemas";

// Deleting a project (decision 030): the request marks it (deleting_at: hidden and refused everywhere,
// its name freed) and queues this job; the job deletes its pairs a batch at a time, each batch its own
// short statement (labels, leases, skips and the rest go with their pairs by cascade), then the project
// row, whose cascade takes the small per-project tables. A stopped or crashed purge is picked up again
// by the sweep, from wherever it got to.
export const QUEUE_PROJECT_PURGE = "loupe-project-purge";
const PURGE_BATCH = 2_000;

/**
 * Distinct images are counted for projects up to this many pairs (by their kept counts): the count reads
 * every pair, and the page must not take seconds on a 10M-pair project for a figure that changes nothing
 * (the files stay).
 */
const IMAGES_COUNTED_UP_TO = 100_000;

export async function getDeletionAccount(db: Db, projectId: number): Promise<TDeletionAccount> {
  const [r] = await db.query<{ name: string; pairs: string; labels: string; exports: string; imports: string; webhooks: string }>(
    `SELECT pr.name,
       (SELECT coalesce(sum(c.open + c.labelled + c.in_review + c.final), 0) FROM project_counts c WHERE c.project_id = pr.id)::text AS pairs,
       (SELECT coalesce(sum(c.labels), 0) FROM project_counts c WHERE c.project_id = pr.id)::text AS labels,
       (SELECT count(*) FROM exports e WHERE e.project_id = pr.id)::text AS exports,
       (SELECT count(*) FROM imports i WHERE i.project_id = pr.id)::text AS imports,
       (SELECT count(*) FROM webhook_endpoints w WHERE w.project_id = pr.id)::text AS webhooks
     FROM projects pr WHERE pr.id = $1 AND pr.deleting_at IS NULL`,
    [projectId],
  );
  if (!r) throw new NotFoundError("Project not found.");
  const pairs = Number(r.pairs);
  const images = pairs > IMAGES_COUNTED_UP_TO ? null : Number((await db.query<{ n: string }>(
    `SELECT count(DISTINCT sha)::text AS n FROM pairs p,
       LATERAL (VALUES (p.source_image), (p.edited_image), (p.mask_image), (p.reference_image)) AS i(sha)
     WHERE p.project_id = $1 AND sha IS NOT NULL`,
    [projectId],
  ))[0]?.n ?? 0);
  return {
    name: r.name, pairs, labels: Number(r.labels), images,
    exports: Number(r.exports), imports: Number(r.imports), webhooks: Number(r.webhooks),
  };
}

/** Marks the project for deletion once its exact name was typed, and queues the purge. */
export async function requestProjectDeletion(db: Db, actorId: number, projectId: number, confirmName: string): Promise<{ deleting: true }> {
  const account = await getDeletionAccount(db, projectId);
  if (confirmName.trim() !== account.name) {
    throw new InvalidError(`Type the project's name, "${account.name}", exactly to delete it.`);
  }
  await db.transaction(async (tx) => {
    const [p] = await tx.query(
      // The name gets the id appended so a new project can take the old name at once.
      `UPDATE projects SET deleting_at = now(), name = left(name, 80) || ' (deleted #' || id || ')', updated_at = now()
       WHERE id = $1 AND deleting_at IS NULL RETURNING id`,
      [projectId],
    );
    if (!p) throw new NotFoundError("Project not found.");
    await tx.query(`DELETE FROM leases WHERE project_id = $1 AND submitted_at IS NULL`, [projectId]);
    await recordAudit(tx, { actorId, action: "project.deleted", subjectType: "project", subjectId: String(projectId), data: { ...account } });
  });
  await enqueuePurge(db, projectId);
  return { deleting: true };
}

export async function enqueuePurge(db: Db, projectId: number): Promise<void> {
  const boss = await getQueue(db, QUEUE_PROJECT_PURGE);
  await boss.send(QUEUE_PROJECT_PURGE, { projectId }, { singletonKey: `purge-${projectId}`, retryLimit: 3, expireInSeconds: 30 * 60 });
}

/**
 * Deletes a project marked for deletion, batch by batch, then its exports' files in `storage`; "paused"
 * when asked to stop first (re-queued).
 */
export async function purgeProject(
  db: Db,
  projectId: number,
  shouldStop: () => boolean = () => false,
  storage: Storage = getStorage(),
): Promise<"done" | "paused"> {
  for (;;) {
    const [marked] = await db.query(`SELECT 1 FROM projects WHERE id = $1 AND deleting_at IS NOT NULL`, [projectId]);
    if (!marked) return "done";
    if (shouldStop()) return "paused";
    const rows = await db.query<{ n: number }>(
      `WITH d AS (DELETE FROM pairs WHERE id IN (
         SELECT id FROM pairs WHERE project_id >= $1 AND project_id <= $1 ORDER BY project_id, id LIMIT $2 FOR UPDATE SKIP LOCKED)
       RETURNING 1) SELECT count(*)::int AS n FROM d`,
      [projectId, PURGE_BATCH],
    );
    if (Number(rows[0]?.n ?? 0) > 0) continue;
    const [left] = await db.query(`SELECT 1 FROM pairs WHERE project_id = $1 LIMIT 1`, [projectId]);
    if (left) {
      // another purge holds the last rows: look again shortly
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    // The export rows go with the project row; their files first, so a crash in between leaves rows that
    // the next sweep's purge finds again (deleting a prefix already gone is a no-op).
    const exports = await db.query<{ id: string }>(`SELECT id::text FROM exports WHERE project_id = $1`, [projectId]);
    for (const e of exports) await storage.deletePrefix(exportPrefix(e.id));
    await db.query(`DELETE FROM projects WHERE id = $1 AND deleting_at IS NOT NULL`, [projectId]);
    return "done";
  }
}

export const projectPurgeJob: TJobHandler<{ projectId: number }> = {
  queue: QUEUE_PROJECT_PURGE,
  async handle(db: Db, data: { projectId: number }, ctx: TJobContext) {
    const result = await purgeProject(db, Number(data.projectId), () => ctx.stopping());
    if (result === "paused") await enqueuePurge(db, Number(data.projectId));
    return result;
  },
  async sweep(db: Db) {
    const rows = await db.query<{ id: number }>(`SELECT id FROM projects WHERE deleting_at IS NOT NULL`);
    for (const r of rows) await enqueuePurge(db, r.id);
    return rows.length;
  },
};
