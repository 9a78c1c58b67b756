import { mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient } from "./generated/client";
import { runnerFromPg, runnerFromPglite, type SqlRunner } from "./sql";

export type { SqlRunner };

/**
 * The one handle to the database: a statement runner itself (`query`, `exec`), with the Prisma client
 * (`prisma`) and the ways to hold one connection (`transaction`, `dedicated`, `ownSession`). Library
 * functions take it first; one that must also run inside a caller's transaction takes `tx: SqlRunner`.
 */
export interface Db extends SqlRunner {
  kind: "embedded" | "server";
  /** The Prisma client on the same connection(s), for single-statement CRUD (CODE_STYLE.md). */
  prisma: PrismaClient;
  /** BEGIN/COMMIT on one connection; on PGlite through its transaction lock, so other queries wait outside. */
  transaction<T>(fn: (tx: SqlRunner) => Promise<T>): Promise<T>;
  /** Runs fn on one connection held for its whole duration (session locks, BEGIN/COMMIT). */
  dedicated<T>(fn: (runner: SqlRunner) => Promise<T>): Promise<T>;
  /** fn on a connection outside the pool (PGlite: its one) for long-held session state, like an import's lock. */
  ownSession<T>(fn: (runner: SqlRunner) => Promise<T>): Promise<T>;
  /** Runs several statements in one string (simple protocol); returns the last statement's rows. */
  execMulti(sql: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export type DatabaseConfig =
  | { kind: "server"; url: string; poolSize?: number; acquireTimeoutMs?: number; statementTimeoutMs?: number }
  | { kind: "embedded"; dataDir: string } // dataDir "memory://" keeps everything in RAM (tests)
  | { kind: "pglite"; pglite: PGlite };

export class DatabaseLockedError extends Error {}

function lockEmbedded(dataDir: string): () => void {
  mkdirSync(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, "pglite.pid");
  if (existsSync(lockFile)) {
    const pid = Number(readFileSync(lockFile, "utf8"));
    let alive = false;
    if (pid && pid !== process.pid) {
      try {
        process.kill(pid, 0);
        alive = true;
      } catch {
        alive = false; // stale lock from a process that is gone
      }
    }
    if (alive) {
      // PGlite is one process's database: a second opener would corrupt it.
      throw new DatabaseLockedError(
        `The embedded database in ${dataDir} is open in another Loupe process (pid ${pid}). ` +
          `Stop that process first, or set DATABASE_URL to use a PostgreSQL server that many processes can share.`,
      );
    }
  }
  writeFileSync(lockFile, String(process.pid));
  return () => {
    try {
      if (readFileSync(lockFile, "utf8") === String(process.pid)) rmSync(lockFile);
    } catch {
      /* already gone */
    }
  };
}

export async function openDatabase(config: DatabaseConfig): Promise<Db> {
  if (config.kind === "server") {
    const pool = new pg.Pool({
      connectionString: config.url,
      max: config.poolSize ?? 10,
      // How long a request waits for a free connection before failing instead of hanging.
      connectionTimeoutMillis: config.acquireTimeoutMs ?? 5_000,
      idleTimeoutMillis: 30_000,
      // Set on each pooled connection at start-up, so every request's statements run under it; the
      // import lock's own session (ownSession) is outside the pool and may be held for hours.
      ...(config.statementTimeoutMs ? { statement_timeout: config.statementTimeoutMs } : {}),
      // No JIT: Loupe's statements are short, and PostgreSQL compiles one whenever its estimate is high,
      // even for a branch that never runs, so compiling can cost far more than the statement itself.
      options: "-c jit=off",
    });
    // An idle connection dropped by the server (restart, failover, admin kill) must not crash the
    // process: pg emits it on the pool, and the next query simply opens a new connection.
    pool.on("error", (err) => console.warn(`[loupe] idle database connection lost: ${err.message}`));
    const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
    const runner = runnerFromPg(pool);
    return {
      kind: "server",
      prisma,
      query: runner.query,
      exec: runner.exec,
      async dedicated(fn) {
        const client = await pool.connect();
        try {
          return await fn(runnerFromPg(client));
        } finally {
          client.release();
        }
      },
      async transaction(fn) {
        const client = await pool.connect();
        try {
          await client.query("BEGIN");
          const out = await fn(runnerFromPg(client));
          await client.query("COMMIT");
          return out;
        } catch (err) {
          await client.query("ROLLBACK").catch(() => {});
          throw err;
        } finally {
          client.release();
        }
      },
      async ownSession(fn) {
        const client = new pg.Client({ connectionString: config.url });
        client.on("error", (err) => console.warn(`[loupe] session connection lost: ${err.message}`));
        await client.connect();
        try {
          return await fn(runnerFromPg(client));
        } finally {
          await client.end().catch(() => {});
        }
      },
      async execMulti(sql) {
        const r = (await pool.query(sql)) as unknown as pg.QueryResult | pg.QueryResult[];
        const last = Array.isArray(r) ? r[r.length - 1] : r;
        return (last?.rows ?? []) as Record<string, unknown>[];
      },
      async close() {
        await prisma.$disconnect();
        await pool.end().catch(() => {});
      },
    };
  }
  let pglite: PGlite;
  let unlock = () => {};
  if (config.kind === "pglite") {
    pglite = config.pglite;
  } else if (config.dataDir === "memory://") {
    pglite = new PGlite();
  } else {
    const dir = path.resolve(config.dataDir);
    unlock = lockEmbedded(dir);
    pglite = new PGlite(path.join(dir, "pgdata"));
  }
  await pglite.waitReady;
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  const runner = runnerFromPglite(pglite);
  return {
    kind: "embedded",
    prisma,
    query: runner.query,
    exec: runner.exec,
    async dedicated(fn) {
      return fn(runnerFromPglite(pglite)); // PGlite is a single connection already
    },
    async transaction(fn) {
      return pglite.transaction((tx) => fn(runnerFromPglite(tx)));
    },
    async ownSession(fn) {
      return fn(runnerFromPglite(pglite));
    },
    async execMulti(sql) {
      const results = await pglite.exec(sql);
      return (results[results.length - 1]?.rows ?? []) as Record<string, unknown>[];
    },
    async close() {
      await prisma.$disconnect();
      if (config.kind !== "pglite") await pglite.close();
      unlock();
    },
  };
}
