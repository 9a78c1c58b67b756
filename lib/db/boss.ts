import "server-only";
import PgBoss from "pg-boss";
import type { Db } from "./connect";

// Background jobs run on pg-boss (decision 006), its tables in the `pgboss` schema of the same database.
// It talks to Postgres through our own connection (`db.executeSql`), so the same code runs on PGlite and a
// server. Features own their queues and handlers; lib/jobs starts the workers.

const bosses = new WeakMap<Db, Promise<PgBoss>>();
const queues = new WeakMap<Db, Map<string, Promise<void>>>();

function bossDb(database: Db) {
  return {
    async executeSql(text: string, values?: unknown[]) {
      // pg-boss sends its schema migrations and locked sections as one multi-statement string with no
      // parameters; only the simple query protocol (exec) accepts that.
      if (!values || values.length === 0) {
        if (database.kind === "embedded") {
          const rows = await database.execMulti(text);
          return { rows };
        }
        return { rows: await database.query(text) };
      }
      return { rows: await database.query(text, values) };
    },
  };
}

/** The pg-boss instance for this database, started once (creates its schema on first use). */
export function getBoss(database: Db): Promise<PgBoss> {
  let p = bosses.get(database);
  if (!p) {
    p = (async () => {
      const make = () => {
        const boss = new PgBoss({
          db: bossDb(database),
          schema: "pgboss",
          // Archive finished jobs after a day, delete after a week.
          archiveCompletedAfterSeconds: 24 * 3600,
          deleteAfterDays: 7,
        });
        boss.on("error", (err: Error) => console.warn(`[loupe] job queue: ${err.message}`));
        return boss;
      };
      const boss = make();
      try {
        await boss.start();
        return boss;
      } catch (err) {
        // Processes starting together on a new database (a web process and a worker) can both find pg-boss's
        // schema missing: both create it, the second waits on pg-boss's lock and then fails on what the first
        // made ("type … already exists"), which would leave a worker running no jobs. A fresh instance finds
        // the schema installed and starts.
        if (!/already exists/i.test((err as Error).message)) throw err;
        await boss.stop({ graceful: false, wait: false }).catch(() => {});
        const again = make();
        await again.start();
        return again;
      }
    })().catch((err) => {
      bosses.delete(database);
      throw err;
    });
    bosses.set(database, p);
  }
  return p;
}

/**
 * pg-boss with `queue` created. Every Loupe queue has the "short" policy: at most one *queued* job per
 * singleton key, so a sweeper, a continuation and a double resume collapse into one. Not "stately": that
 * also waits for an active job of the key, and a killed process's job only ends when it expires. Two runs
 * of one job are kept apart by the job itself (advisory lock + checkpoint guard).
 */
export async function getQueue(database: Db, queue: string): Promise<PgBoss> {
  const boss = await getBoss(database);
  let known = queues.get(database);
  if (!known) queues.set(database, (known = new Map()));
  let ready = known.get(queue);
  if (!ready) {
    ready = (async () => {
      if (!(await boss.getQueue(queue))) await boss.createQueue(queue, { name: queue, policy: "short" });
    })().catch((err) => {
      known.delete(queue);
      throw err;
    });
    known.set(queue, ready);
  }
  await ready;
  return boss;
}

/** What a running job may ask of the process that runs it. */
export interface TJobContext {
  /**
   * True once the process is shutting down (SIGTERM): a long job ends at its next checkpoint (an
   * import's batch, an export's page) and queues itself again for another worker.
   */
  stopping(): boolean;
}

/** A feature's background job: its queue, what one job does, and an optional sweep re-queueing orphaned work. */
export interface TJobHandler<D = Record<string, unknown>> {
  queue: string;
  handle(database: Db, data: D, ctx: TJobContext): Promise<unknown>;
  sweep?(database: Db): Promise<number>;
}

export async function stopBoss(database: Db): Promise<void> {
  const p = bosses.get(database);
  if (!p) return;
  bosses.delete(database);
  queues.delete(database);
  const boss = await p.catch(() => null);
  await boss?.stop({ graceful: true, wait: true, timeout: 10_000 });
}
