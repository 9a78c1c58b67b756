import "server-only";
import PgBoss from "pg-boss";
import type { Database } from "../db/connect";

// Background jobs run on pg-boss (docs/decisions/006-imports-and-jobs.md): its tables live in the
// `pgboss` schema of the same database, so jobs survive restarts and any number of processes can
// share them. pg-boss talks to Postgres through our own connection (`db.executeSql`), which is what
// lets the same code run on the embedded PGlite and on a server.

export const QUEUE_IMPORT = "loupe-imports";
export const QUEUE_EXPORT = "loupe-exports";

const bosses = new WeakMap<Database, Promise<PgBoss>>();

function bossDb(database: Database) {
  return {
    async executeSql(text: string, values?: unknown[]) {
      // pg-boss sends its schema migrations and locked sections as one multi-statement string with no
      // parameters; only the simple query protocol (exec) accepts that.
      if (!values || values.length === 0) {
        if (database.kind === "embedded") {
          const rows = await database.execMulti(text);
          return { rows };
        }
        return { rows: await database.runner.query(text) };
      }
      return { rows: await database.runner.query(text, values) };
    },
  };
}

/** The pg-boss instance for this database, started once (creates its schema and queues on first use). */
export function getBoss(database: Database): Promise<PgBoss> {
  let p = bosses.get(database);
  if (!p) {
    p = (async () => {
      const boss = new PgBoss({
        db: bossDb(database),
        schema: "pgboss",
        // Supervision and monitoring are cheap; archive finished jobs after a day, delete after a week.
        archiveCompletedAfterSeconds: 24 * 3600,
        deleteAfterDays: 7,
      });
      boss.on("error", (err: Error) => console.warn(`[loupe] job queue: ${err.message}`));
      await boss.start();
      // "short": at most one *queued* job per singleton key, so the sweeper, a continuation and a
      // resume asked twice collapse into one. Not "stately": that also waits for an active job of the
      // same key to finish, and the active job of a killed process only ends when it expires, which
      // would hold a resume back for the whole expiry. Two runs of one import are kept apart by
      // runImport itself (advisory lock + checkpoint guard).
      const existing = await boss.getQueue(QUEUE_IMPORT);
      if (!existing) await boss.createQueue(QUEUE_IMPORT, { name: QUEUE_IMPORT, policy: "short" });
      // Exports: the same policy, for the same reasons (runExport's advisory lock keeps two runs apart).
      if (!(await boss.getQueue(QUEUE_EXPORT))) await boss.createQueue(QUEUE_EXPORT, { name: QUEUE_EXPORT, policy: "short" });
      return boss;
    })().catch((err) => {
      bosses.delete(database);
      throw err;
    });
    bosses.set(database, p);
  }
  return p;
}

export async function stopBoss(database: Database): Promise<void> {
  const p = bosses.get(database);
  if (!p) return;
  bosses.delete(database);
  const boss = await p.catch(() => null);
  await boss?.stop({ graceful: true, wait: true, timeout: 10_000 });
}
