import "server-only";
import type { Database } from "../db/connect";
import { getEnv } from "../env";
import { fetchConfigFromEnv, dataDir } from "../imports/config";
import { importLockKey, isRunningHere, runImport } from "../imports/run";
import { getBoss, QUEUE_IMPORT } from "./boss";

// The background side of a Loupe process: takes import jobs from pg-boss and runs them in slices of
// a minute. A slice that runs out of time queues the next one, so a job never looks stalled to
// pg-boss, and a server restart loses at most the batch in flight.

const SLICE_MS = 60_000;
/** Imports created or advanced this recently are left alone by the sweeper (their job is on its way). */
const QUIET_SECONDS = 10;

export async function enqueueImport(database: Database, importId: string): Promise<void> {
  const boss = await getBoss(database);
  await boss.send(QUEUE_IMPORT, { importId }, {
    singletonKey: `import-${importId}`,
    retryLimit: 20,
    retryDelay: 5,
    retryBackoff: true,
    expireInSeconds: 15 * 60,
  });
}

export async function handleImportJob(database: Database, importId: string): Promise<string> {
  const result = await runImport(database, importId, {
    dataDir: dataDir(),
    fetch: fetchConfigFromEnv(),
    budgetMs: SLICE_MS,
    batchSize: getEnv().LOUPE_IMPORT_BATCH_ROWS,
  });
  if (result === "paused") await enqueueImport(database, importId);
  return result;
}

/**
 * Re-queues imports that nobody is working: queued or running, not run by this process, and whose
 * advisory lock (held by any live runner, released when its process dies) is free. A restarted
 * server or CLI thus resumes interrupted imports at once instead of waiting for a job to expire.
 */
export async function requeueStalledImports(database: Database): Promise<number> {
  const rows = await database.runner.query<{ id: string }>(
    `SELECT id::text FROM imports WHERE status IN ('queued', 'running') AND updated_at < now() - make_interval(secs => $1)`,
    [QUIET_SECONDS],
  );
  let n = 0;
  for (const r of rows) {
    if (isRunningHere(r.id)) continue;
    const free = await database.dedicated(async (s) => {
      const [got] = await s.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(7105, $1::int) AS ok", [importLockKey(r.id)]);
      if (got?.ok) await s.query("SELECT pg_advisory_unlock(7105, $1::int)", [importLockKey(r.id)]);
      return got?.ok === true;
    });
    if (!free) continue;
    await enqueueImport(database, r.id);
    n++;
  }
  return n;
}

export interface TWorkerHandle {
  stop(): Promise<void>;
}

export async function startJobWorkers(database: Database): Promise<TWorkerHandle> {
  const boss = await getBoss(database);
  const workId = await boss.work<{ importId: string }>(QUEUE_IMPORT, { pollingIntervalSeconds: 1, batchSize: 1 }, async (jobs) => {
    for (const job of jobs) await handleImportJob(database, String(job.data.importId));
  });
  const sweep = () => requeueStalledImports(database).catch((err: Error) => console.warn(`[loupe] stalled-import sweep: ${err.message}`));
  await sweep();
  const timer = setInterval(sweep, 30_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await boss.offWork({ id: workId });
    },
  };
}
