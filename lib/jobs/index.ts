import "server-only";
import type PgBoss from "pg-boss";
import type { Db } from "../db/connect";
import { getQueue, type TJobContext, type TJobHandler } from "../db/boss";
import { importJob } from "../imports/job";
import { exportJob } from "../exports/job";
import { derivativesJob } from "../imports/derivatives";
import { startWebhookWorker } from "../webhooks/worker";
import { settingsRecomputeJob } from "../quality/recompute";
import { projectPurgeJob } from "../projects/purge";
import { sweepKept } from "../quality/kept";

// The background side of a Loupe process, started by its entry point, never by the database module. This
// list is the only place that knows every feature's job handler.
const HANDLERS = [importJob, exportJob, derivativesJob, settingsRecomputeJob, projectPurgeJob] as TJobHandler[];

/** Periodic work with no queue of its own, run beside the handlers' sweeps. */
const SWEEPS: ((db: Db) => Promise<number>)[] = [sweepKept];

const SWEEP_MS = 30_000;

export interface TWorkerHandle {
  /**
   * Graceful stop: takes no new job, tells the jobs in hand to end at their next checkpoint (they queue
   * themselves again), waits for them and for webhook attempts in flight.
   */
  stop(): Promise<void>;
}

export async function startJobWorkers(db: Db): Promise<TWorkerHandle> {
  const working: { boss: PgBoss; id: string }[] = [];
  let stopping = false;
  const ctx: TJobContext = { stopping: () => stopping };
  const inHand = new Set<Promise<unknown>>();
  for (const h of HANDLERS) {
    const boss = await getQueue(db, h.queue);
    const id = await boss.work<Record<string, unknown>>(h.queue, { pollingIntervalSeconds: 1, batchSize: 1 }, async (jobs) => {
      for (const job of jobs) {
        const p = h.handle(db, job.data, ctx);
        inHand.add(p);
        try {
          await p;
        } finally {
          inHand.delete(p);
        }
      }
    });
    working.push({ boss, id });
  }
  const sweep = async () => {
    for (const h of HANDLERS) {
      await h.sweep?.(db).catch((err: Error) => console.warn(`[loupe] ${h.queue} sweep: ${err.message}`));
    }
    for (const run of SWEEPS) await run(db).catch((err: Error) => console.warn(`[loupe] ${run.name}: ${err.message}`));
  };
  await sweep();
  const timer = setInterval(sweep, SWEEP_MS);
  timer.unref();
  // Webhook deliveries: their own table is the queue (lib/webhooks/worker.ts), polled there.
  const webhooks = startWebhookWorker(db);
  return {
    async stop() {
      stopping = true;
      clearInterval(timer);
      for (const w of working) await w.boss.offWork({ id: w.id });
      await Promise.allSettled([...inHand, webhooks.stop()]);
    },
  };
}
