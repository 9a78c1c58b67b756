import "server-only";
import { getDatabase } from "../db";
import { getEnv } from "../env";
import { startJobWorkers } from "./index";

// One set of workers per process, however often the entry point is loaded (Next may evaluate
// instrumentation in more than one module graph).
const globalForJobs = globalThis as unknown as { __loupeJobsStarted?: boolean };

/** Starts this process's job workers in the background, retrying every 30 s rather than holding start-up. */
export function startProcessJobs(): void {
  if (getEnv().LOUPE_JOBS === "off" || globalForJobs.__loupeJobsStarted) return;
  globalForJobs.__loupeJobsStarted = true;
  const attempt = () => {
    void getDatabase()
      .then((db) => startJobWorkers(db))
      .catch((err: Error) => {
        console.error(`[loupe] background jobs did not start (retrying in 30 s): ${err.message}`);
        setTimeout(attempt, 30_000).unref();
      });
  };
  attempt();
}
