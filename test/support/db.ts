import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, type Db } from "@/lib/db/connect";
import { migrate } from "@/lib/db/migrate";

export interface TestDatabase extends Db {
  label: string;
}

/** Embedded PGlite always, and the PostgreSQL server too when TEST_DATABASE_URL is set; for `describe.each(engines())`. */
export function engines(): { engine: "pglite" | "postgres" }[] {
  const list: { engine: "pglite" | "postgres" }[] = [{ engine: "pglite" }];
  if (process.env.TEST_DATABASE_URL) list.push({ engine: "postgres" });
  return list;
}

/** An empty database on the TEST_DATABASE_URL server, with its URL and a drop function. */
export async function createServerDatabase(prefix = "loupe_t"): Promise<{ name: string; url: string; drop: () => Promise<void> }> {
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error("TEST_DATABASE_URL is not set");
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const a = new pg.Client({ connectionString: base });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await a.end();
    },
  };
}

/** A fresh, empty database (a new in-memory PGlite, or a new database on the server), migrated unless asked not to. */
export async function freshDatabase(
  engine: "pglite" | "postgres",
  opts: { migrate?: boolean; poolSize?: number } = {},
): Promise<TestDatabase> {
  let db: Db;
  let label: string;
  let drop = async () => {};
  if (engine === "pglite") {
    db = await openDatabase({ kind: "embedded", dataDir: "memory://" });
    label = "pglite";
  } else {
    const server = await createServerDatabase();
    db = await openDatabase({ kind: "server", url: server.url, poolSize: opts.poolSize ?? 20 });
    label = `postgres:${server.name}`;
    drop = server.drop;
  }
  if (opts.migrate !== false) await db.dedicated((r) => migrate(r));
  const close = db.close.bind(db);
  return {
    ...db,
    label,
    async close() {
      await close();
      await drop();
    },
  };
}
