import "server-only";
import type { Db } from "../db/connect";
import { getQueue, type TJobContext, type TJobHandler } from "../db/boss";
import { dataDir } from "../imports/config";
import { getStorage } from "../storage/config";
import { exportLockKey, failExport, isExportRunningHere, runExport } from "./run";

// The background side of an export: one pg-boss job runs it whole. lib/jobs starts the worker.

export const QUEUE_EXPORT = "loupe-exports";

/** Exports created or advanced this recently are left alone by the sweeper (their job is on its way). */
const QUIET_SECONDS = 10;
/** Runs (attempts) in a row an export gets before an unexpected error fails it. */
const MAX_EXPORT_ATTEMPTS = 3;

export async function enqueueExport(db: Db, exportId: string, opts: { startAfterSeconds?: number } = {}): Promise<void> {
  const boss = await getQueue(db, QUEUE_EXPORT);
  await boss.send(QUEUE_EXPORT, { exportId }, {
    singletonKey: `export-${exportId}`,
    // Retries are handleExportJob's (counted on the export, with a message), as for imports.
    retryLimit: 0,
    // An export is one run, not slices: 10M pairs into Parquet with embedded images can take hours.
    // pg-boss only marks an expired job failed; the run itself goes on, its row is the truth.
    expireInSeconds: 12 * 3600,
    ...(opts.startAfterSeconds ? { startAfter: opts.startAfterSeconds } : {}),
  });
}

export async function handleExportJob(db: Db, exportId: string, ctx?: TJobContext): Promise<string> {
  try {
    const result = await runExport(db, exportId, { dataDir: dataDir(), storage: getStorage(), shouldStop: ctx ? () => ctx.stopping() : undefined });
    // Handed back by a shutting-down worker: queued for the next one, which starts it again.
    if (result === "interrupted") await enqueueExport(db, exportId);
    return result;
  } catch (err) {
    // Unexpected (database unreachable, disk full, a bug). Each run starts the file again, so a retry
    // is a fresh run; after a few the export fails with the message and the admin starts a new one.
    const message = (err as Error)?.message ?? String(err);
    console.warn(`[loupe] export ${exportId}: ${message}`);
    const rows = await db.query<{ attempts: number }>(
      `UPDATE exports SET updated_at = now(), message = $2 WHERE id = $1 AND status IN ('queued', 'running') RETURNING attempts`,
      [exportId, `Interrupted by an error; starting again: ${message}`],
    );
    const attempts = rows[0]?.attempts;
    if (attempts === undefined) return "stopped";
    if (attempts >= MAX_EXPORT_ATTEMPTS) {
      await failExport(db, exportId, `Stopped after ${attempts} attempts: ${message}`, dataDir(), getStorage());
      return "failed";
    }
    await enqueueExport(db, exportId, { startAfterSeconds: 5 * 2 ** (attempts - 1) });
    return "retrying";
  }
}

/** Exports queued or running that nobody works (no live runner holds their lock): queued again. */
export async function requeueStalledExports(db: Db): Promise<number> {
  const rows = await db.query<{ id: string }>(
    `SELECT id::text FROM exports WHERE status IN ('queued', 'running') AND updated_at < now() - make_interval(secs => $1)`,
    [QUIET_SECONDS],
  );
  let n = 0;
  for (const r of rows) {
    if (isExportRunningHere(r.id)) continue;
    const free = await db.dedicated(async (s) => {
      const [got] = await s.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(7106, $1::int) AS ok", [exportLockKey(r.id)]);
      if (got?.ok) await s.query("SELECT pg_advisory_unlock(7106, $1::int)", [exportLockKey(r.id)]);
      return got?.ok === true;
    });
    if (!free) continue;
    await enqueueExport(db, r.id);
    n++;
  }
  return n;
}

export const exportJob: TJobHandler<{ exportId: string }> = {
  queue: QUEUE_EXPORT,
  handle: (db, data, ctx) => handleExportJob(db, String(data.exportId), ctx),
  sweep: requeueStalledExports,
};
