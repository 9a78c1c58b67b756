import "server-only";
import type { Db } from "../db/connect";
import { getQueue, type TJobContext, type TJobHandler } from "../db/boss";
import { getEnv } from "../env";
import { fetchConfigFromEnv, dataDir } from "./config";
import { getStorage } from "../storage/config";
import { failImport, importLockKey, isRunningHere, runImport } from "./run";
import { enqueueDerivatives } from "./derivatives";

// The background side of an import: pg-boss jobs run it in ten-minute slices. A slice out of time queues
// the next, so a job never looks stalled to pg-boss and a restart loses at most the batch in flight.

export const QUEUE_IMPORT = "loupe-imports";

// Long slices: each one reopens the file and skips to the checkpoint (text formats cannot seek by byte yet).
const SLICE_MS = 10 * 60_000;
/** Imports created or advanced this recently are left alone by the sweeper (their job is on its way). */
const QUIET_SECONDS = 10;

export async function enqueueImport(db: Db, importId: string, opts: { startAfterSeconds?: number } = {}): Promise<void> {
  const boss = await getQueue(db, QUEUE_IMPORT);
  await boss.send(QUEUE_IMPORT, { importId }, {
    singletonKey: `import-${importId}`,
    // Failures are retried by handleImportJob itself (counted on the import, with a message), not by
    // pg-boss, so one import never has two retry chains and a hopeless one ends as "failed".
    retryLimit: 0,
    expireInSeconds: 30 * 60,
    ...(opts.startAfterSeconds ? { startAfter: opts.startAfterSeconds } : {}),
  });
}

/** Failed attempts in a row before an import is marked failed (the admin can Resume it). */
const MAX_FAILURES = 5;

export async function handleImportJob(db: Db, importId: string, ctx?: TJobContext): Promise<string> {
  try {
    const result = await runImport(db, importId, {
      dataDir: dataDir(),
      storage: getStorage(),
      fetch: fetchConfigFromEnv(),
      budgetMs: SLICE_MS,
      // A shutting-down worker ends the slice at the batch in hand; the job queued below resumes it elsewhere.
      shouldStop: ctx ? () => ctx.stopping() : undefined,
      batchSize: getEnv().LOUPE_IMPORT_BATCH_ROWS,
    });
    if (result === "paused") await enqueueImport(db, importId);
    // The slice's pairs wait for their previews and change maps (the sweep would find them too, later).
    await enqueueDerivatives(db).catch((err: Error) => console.warn(`[loupe] derivatives not queued: ${err.message}`));
    return result;
  } catch (err) {
    // Unexpected (database unreachable, disk full, a bug): the batch rolled back, the checkpoint holds.
    const message = (err as Error)?.message ?? String(err);
    console.warn(`[loupe] import ${importId}: ${message}`);
    const rows = await db.query<{ failures: number }>(
      `UPDATE imports SET failures = failures + 1, updated_at = now(), message = $2
        WHERE id = $1 AND status IN ('queued', 'running') RETURNING failures`,
      [importId, `Interrupted by an error; retrying from the last saved row: ${message}`],
    );
    const failures = rows[0]?.failures;
    if (failures === undefined) return "stopped";
    if (failures >= MAX_FAILURES) {
      await failImport(db, importId, `Stopped after ${failures} failed attempts: ${message} Rows imported so far stay; fix the cause and press Resume to continue.`);
      return "failed";
    }
    await enqueueImport(db, importId, { startAfterSeconds: 5 * 2 ** (failures - 1) });
    return "retrying";
  }
}

/** Re-queues imports nobody works (advisory lock free), so a restart resumes them at once, not when a job expires. */
export async function requeueStalledImports(db: Db): Promise<number> {
  const rows = await db.query<{ id: string }>(
    `SELECT id::text FROM imports WHERE status IN ('queued', 'running') AND updated_at < now() - make_interval(secs => $1)`,
    [QUIET_SECONDS],
  );
  let n = 0;
  for (const r of rows) {
    if (isRunningHere(r.id)) continue;
    const free = await db.dedicated(async (s) => {
      const [got] = await s.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(7105, $1::int) AS ok", [importLockKey(r.id)]);
      if (got?.ok) await s.query("SELECT pg_advisory_unlock(7105, $1::int)", [importLockKey(r.id)]);
      return got?.ok === true;
    });
    if (!free) continue;
    await enqueueImport(db, r.id);
    n++;
  }
  return n;
}

export const importJob: TJobHandler<{ importId: string }> = {
  queue: QUEUE_IMPORT,
  handle: (db, data, ctx) => handleImportJob(db, String(data.importId), ctx),
  sweep: requeueStalledImports,
};
