// `npm run loupe -- worker`: a process that runs background jobs only — imports, exports, derivatives
// (made by the import's image pipeline) and webhook deliveries — and serves nothing. Web processes
// started with LOUPE_JOBS=off leave their jobs to it. SIGTERM or SIGINT: take no new job, let the jobs
// in hand end at their next checkpoint (each queues itself again for the next worker), then exit 0; a
// second signal exits at once.
import { getEnv } from "../lib/env";
import { openDatabase } from "../lib/db/connect";
import { configFromEnv } from "../lib/db/config";
import { migrate } from "../lib/db/migrate";
import { stopBoss } from "../lib/db/boss";
import { startJobWorkers } from "../lib/jobs";
import { AppError } from "../lib/errors";

export async function runWorker(): Promise<void> {
  const env = getEnv();
  if (!env.DATABASE_URL) {
    throw new AppError(
      "The worker needs DATABASE_URL (a PostgreSQL server): the embedded database belongs to one process, " +
        "and `npm start` runs the background jobs itself.",
    );
  }
  let signals = 0;
  let stop: (signal: string) => void = () => {};
  const stopped = new Promise<string>((resolve) => (stop = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      console.log(`[loupe] ${signal} again: exiting now`);
      process.exit(1);
    }
    stop(signal);
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);

  const db = await openDatabase(configFromEnv());
  try {
    await db.dedicated((r) => migrate(r, { log: (l) => console.log(`  ${l}`) }));
    const workers = await startJobWorkers(db);
    console.log(`[loupe] worker ${process.pid}: running imports, exports and webhook deliveries`);
    const signal = await stopped;
    console.log(`[loupe] ${signal}: finishing the jobs in hand (send it again to exit at once)`);
    await workers.stop();
    await stopBoss(db);
    console.log("[loupe] worker stopped");
  } finally {
    await db.close();
  }
}
