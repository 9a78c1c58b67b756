import "server-only";
import { getEnv } from "../env";
import { configFromEnv } from "./config";
import { migrate } from "./migrate";
import { openDatabase, type Db } from "./connect";

export type { Db, SqlRunner } from "./connect";
export { Prisma } from "./generated/client";
export { configFromEnv } from "./config";

// One database per process, kept on globalThis so Next's hot reload and its separate module graphs
// (route handlers, server components, proxy) all share it instead of opening a second PGlite.
const globalForDb = globalThis as unknown as { __loupeDb?: Promise<Db> };

async function open(): Promise<Db> {
  const config = configFromEnv();
  // The web process's statements are bounded (decision 021); the CLI opens its own handle without it,
  // so migrations and a long `loupe import` are not. PGlite has no second connection to cancel from.
  const db = await openDatabase(config.kind === "server" ? { ...config, statementTimeoutMs: getEnv().LOUPE_STATEMENT_TIMEOUT_MS } : config);
  // The embedded database belongs to this process alone, so bringing it up to date here is safe and
  // saves a separate step. Against a server, `npm start` migrates before the app boots.
  if (db.kind === "embedded") await db.dedicated((r) => migrate(r));
  return db;
}

export async function getDatabase(): Promise<Db> {
  if (!globalForDb.__loupeDb) {
    globalForDb.__loupeDb = open().catch((err) => {
      globalForDb.__loupeDb = undefined;
      throw err;
    });
  }
  return globalForDb.__loupeDb;
}
