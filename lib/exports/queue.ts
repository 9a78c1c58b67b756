import "server-only";
import type { Database } from "../db/connect";
import { getBoss, QUEUE_EXPORT } from "../jobs/boss";

// Queueing an export, apart from lib/jobs/worker.ts: creating an export (the web route, the CLI)
// needs only this, not the worker's import pipeline and its image libraries, which cost the CLI's
// export process tens of MB of memory for nothing.

export async function enqueueExport(database: Database, exportId: string, opts: { startAfterSeconds?: number } = {}): Promise<void> {
  const boss = await getBoss(database);
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
