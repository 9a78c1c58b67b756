import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { SqlRunner } from "./sql";

// turbopackIgnore: the folder is read at run time; without it the build traces the whole project.
export const MIGRATIONS_DIR = path.join(/*turbopackIgnore: true*/ process.cwd(), "prisma/migrations");

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name);
  const bad = dirs.filter((n) => !/^\d{14}_[a-z0-9_]+$/.test(n));
  if (bad.length) {
    // A misnamed folder would otherwise be skipped silently and its SQL never applied.
    throw new MigrationError(`Migration folder(s) not named <14-digit timestamp>_<lower_snake_name>: ${bad.join(", ")}`);
  }
  const names = dirs.sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

// Any fixed number works; it only has to be the same for every Loupe process on one database.
const MIGRATION_LOCK = 7_241_953;

/**
 * Applies pending migrations in name order, each in its own transaction, recording name and checksum; an
 * applied migration whose file changed is refused. A session advisory lock lets several processes start at
 * once, so the runner must be one connection (Db.dedicated), never a pool.
 */
export async function migrate(
  db: SqlRunner,
  opts: { dir?: string; log?: (line: string) => void } = {},
): Promise<{ applied: string[] }> {
  const log = opts.log ?? (() => {});
  const migrations = await readMigrations(opts.dir);
  await db.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
  try {
    await db.exec(`CREATE TABLE IF NOT EXISTS "_loupe_migrations" (
      "name" TEXT PRIMARY KEY,
      "checksum" CHAR(64) NOT NULL,
      "applied_at" TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    const rows = await db.query<{ name: string; checksum: string }>(
      `SELECT name, checksum FROM "_loupe_migrations" ORDER BY name`,
    );
    const applied = new Map(rows.map((r) => [r.name, r.checksum]));
    const known = new Set(migrations.map((m) => m.name));
    for (const name of applied.keys()) {
      if (!known.has(name)) {
        throw new MigrationError(
          `Database has migration ${name} that this Loupe does not know: it was migrated by a newer version.`,
        );
      }
    }
    const done: string[] = [];
    for (const m of migrations) {
      const prior = applied.get(m.name);
      if (prior) {
        if (prior !== m.checksum) {
          throw new MigrationError(
            `Migration ${m.name} was changed after it was applied (checksum ${prior.slice(0, 12)}… → ${m.checksum.slice(0, 12)}…). ` +
              `Applied migrations are immutable: revert the file and add a new migration instead.`,
          );
        }
        continue;
      }
      log(`applying ${m.name}`);
      await db.exec("BEGIN");
      try {
        await db.exec(m.sql);
        await db.query(`INSERT INTO "_loupe_migrations" (name, checksum) VALUES ($1, $2)`, [m.name, m.checksum]);
        await db.exec("COMMIT");
      } catch (err) {
        await db.exec("ROLLBACK");
        throw new MigrationError(`Migration ${m.name} failed: ${(err as Error).message}`);
      }
      done.push(m.name);
    }
    await repairFeedXids(db, log);
    return { applied: done };
  } finally {
    await db.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
  }
}

/**
 * After every migration run: pairs.final_xid values beyond this cluster's transaction counter (a restore
 * into another cluster) are renumbered, so the labels feed serves those pairs again and older cursors are
 * refused (decision 008). Skipped for a database that predates the function.
 */
export async function repairFeedXids(db: SqlRunner, log: (line: string) => void = () => {}): Promise<number> {
  const [fn] = await db.query<{ ok: boolean }>(`SELECT to_regproc('loupe_repair_final_xid') IS NOT NULL AS ok`);
  if (!fn?.ok) return 0;
  const [row] = await db.query<{ n: string }>(`SELECT loupe_repair_final_xid()::text AS n`);
  const n = Number(row?.n ?? 0);
  if (n > 0) {
    log(`renumbered the labels feed position of ${n} pairs whose transaction ids came from another PostgreSQL cluster; feed cursors handed out before are refused (clients start again)`);
  }
  return n;
}
