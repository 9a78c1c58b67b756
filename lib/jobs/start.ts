import "server-only";
import { getDatabase } from "../db";
import { stopBoss } from "../db/boss";
import { getEnv } from "../env";
import { startJobWorkers, type TWorkerHandle } from "./index";

// One set of workers per process, however often the entry point is loaded (Next may evaluate
// instrumentation in more than one module graph). The stop function is kept on globalThis too: the web
// server (scripts/web-server.mjs) is not in Next's module graph and finds it there on SIGTERM.
const globalForJobs = globalThis as unknown as {
  __loupeJobsStarted?: boolean;
  __loupeStopJobs?: () => Promise<void>;
};

/** Starts this process's job workers in the background, retrying every 30 s rather than holding start-up. */
export function startProcessJobs(): void {
  if (getEnv().LOUPE_JOBS === "off" || globalForJobs.__loupeJobsStarted) return;
  globalForJobs.__loupeJobsStarted = true;
  let stopping = false;
  let running: Promise<TWorkerHandle | null> = Promise.resolve(null);
  let retry: NodeJS.Timeout | undefined;
  const attempt = () => {
    running = getDatabase()
      .then((db) => startJobWorkers(db))
      .then((handle) => {
        console.log("[loupe] background jobs run in this process (LOUPE_JOBS=off turns them off)");
        return handle;
      })
      .catch((err: Error) => {
        if (!stopping) {
          console.error(`[loupe] background jobs did not start (retrying in 30 s): ${err.message}`);
          retry = setTimeout(attempt, 30_000).unref();
        }
        return null;
      });
  };
  attempt();
  globalForJobs.__loupeStopJobs = async () => {
    stopping = true;
    clearTimeout(retry);
    const handle = await running;
    if (!handle) return;
    await handle.stop();
    await stopBoss(await getDatabase());
    console.log("[loupe] background jobs stopped");
  };
}

/** Stops the jobs startProcessJobs started in this process, gracefully (the job slices in hand end first). */
export async function stopProcessJobs(): Promise<void> {
  await globalForJobs.__loupeStopJobs?.();
}
