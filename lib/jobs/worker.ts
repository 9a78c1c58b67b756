import "server-only";
import type { Database } from "../db/connect";
import { getEnv } from "../env";
import { fetchConfigFromEnv, dataDir } from "../imports/config";
import { failImport, importLockKey, isRunningHere, runImport } from "../imports/run";
import { getBoss, QUEUE_IMPORT, QUEUE_EXPORT } from "./boss";
import { enqueueExport } from "../exports/queue";

export { enqueueExport };
import { exportLockKey, failExport, isExportRunningHere, runExport } from "../exports/run";
import { startWebhookWorker } from "../webhooks/worker";

// The background side of a Loupe process: takes import jobs from pg-boss and runs them in slices of
// ten minutes. A slice that runs out of time queues the next one, so a job never looks stalled to
// pg-boss, and a server restart loses at most the batch in flight.

// Long slices: each one reopens the file and skips to the checkpoint, which costs a little for text
// formats (no byte-offset seek yet), so a slice should be long next to that.
const SLICE_MS = 10 * 60_000;
/** Imports created or advanced this recently are left alone by the sweeper (their job is on its way). */
const QUIET_SECONDS = 10;

export async function enqueueImport(database: Database, importId: string, opts: { startAfterSeconds?: number } = {}): Promise<void> {
  const boss = await getBoss(database);
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

export async function handleImportJob(database: Database, importId: string): Promise<string> {
  try {
    const result = await runImport(database, importId, {
      dataDir: dataDir(),
      fetch: fetchConfigFromEnv(),
      budgetMs: SLICE_MS,
      batchSize: getEnv().LOUPE_IMPORT_BATCH_ROWS,
    });
    if (result === "paused") await enqueueImport(database, importId);
    return result;
  } catch (err) {
    // Unexpected (database unreachable, disk full, a bug): the batch rolled back, the checkpoint holds.
    const message = (err as Error)?.message ?? String(err);
    console.warn(`[loupe] import ${importId}: ${message}`);
    const rows = await database.runner.query<{ failures: number }>(
      `UPDATE imports SET failures = failures + 1, updated_at = now(), message = $2
        WHERE id = $1 AND status IN ('queued', 'running') RETURNING failures`,
      [importId, `Interrupted by an error; retrying from the last saved row: ${message}`],
    );
    const failures = rows[0]?.failures;
    if (failures === undefined) return "stopped";
    if (failures >= MAX_FAILURES) {
      await failImport(database, importId, `Stopped after ${failures} failed attempts: ${message} Rows imported so far stay; fix the cause and press Resume to continue.`);
      return "failed";
    }
    await enqueueImport(database, importId, { startAfterSeconds: 5 * 2 ** (failures - 1) });
    return "retrying";
  }
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

// ---- Exports ---------------------------------------------------------------------------------------

/** Runs (attempts) in a row an export gets before an unexpected error fails it. */
const MAX_EXPORT_ATTEMPTS = 3;

export async function handleExportJob(database: Database, exportId: string): Promise<string> {
  try {
    return await runExport(database, exportId, { dataDir: dataDir() });
  } catch (err) {
    // Unexpected (database unreachable, disk full, a bug). Each run starts the file again, so a retry
    // is a fresh run; after a few the export fails with the message and the admin starts a new one.
    const message = (err as Error)?.message ?? String(err);
    console.warn(`[loupe] export ${exportId}: ${message}`);
    const rows = await database.runner.query<{ attempts: number }>(
      `UPDATE exports SET updated_at = now(), message = $2 WHERE id = $1 AND status IN ('queued', 'running') RETURNING attempts`,
      [exportId, `Interrupted by an error; starting again: ${message}`],
    );
    const attempts = rows[0]?.attempts;
    if (attempts === undefined) return "stopped";
    if (attempts >= MAX_EXPORT_ATTEMPTS) {
      await failExport(database, exportId, `Stopped after ${attempts} attempts: ${message}`, dataDir());
      return "failed";
    }
    await enqueueExport(database, exportId, { startAfterSeconds: 5 * 2 ** (attempts - 1) });
    return "retrying";
  }
}

/** Exports queued or running that nobody works (no live runner holds their lock): queued again. */
export async function requeueStalledExports(database: Database): Promise<number> {
  const rows = await database.runner.query<{ id: string }>(
    `SELECT id::text FROM exports WHERE status IN ('queued', 'running') AND updated_at < now() - make_interval(secs => $1)`,
    [QUIET_SECONDS],
  );
  let n = 0;
  for (const r of rows) {
    if (isExportRunningHere(r.id)) continue;
    const free = await database.dedicated(async (s) => {
      const [got] = await s.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(7106, $1::int) AS ok", [exportLockKey(r.id)]);
      if (got?.ok) await s.query("SELECT pg_advisory_unlock(7106, $1::int)", [exportLockKey(r.id)]);
      return got?.ok === true;
    });
    if (!free) continue;
    await enqueueExport(database, r.id);
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
  const exportWorkId = await boss.work<{ exportId: string }>(QUEUE_EXPORT, { pollingIntervalSeconds: 1, batchSize: 1 }, async (jobs) => {
    for (const job of jobs) await handleExportJob(database, String(job.data.exportId));
  });
  const sweep = async () => {
    await requeueStalledImports(database).catch((err: Error) => console.warn(`[loupe] stalled-import sweep: ${err.message}`));
    await requeueStalledExports(database).catch((err: Error) => console.warn(`[loupe] stalled-export sweep: ${err.message}`));
  };
  await sweep();
  const timer = setInterval(sweep, 30_000);
  timer.unref();
  // Webhook deliveries: their own table is the queue (lib/webhooks/worker.ts), polled here.
  const webhooks = startWebhookWorker(database);
  return {
    async stop() {
      clearInterval(timer);
      await boss.offWork({ id: workId });
      await webhooks.stop();
      await boss.offWork({ id: exportWorkId });
    },
  };
}
