import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { DEFINITION_FILES } from "./definitions";
import type { SqlRunner } from "./sql";

// turbopackIgnore: the folders are read at run time; without it the build traces the whole project.
export const PROJECT_ROOT = /*turbopackIgnore: true*/ process.cwd();
export const MIGRATIONS_DIR = path.join(/*turbopackIgnore: true*/ process.cwd(), "prisma/migrations");

export interface Migration {
  name: string;
  sql: string;
  /** after-definitions.sql: a data move that calls the rules, run once after the definition files. */
  after: string | null;
  checksum: string;
}

/** A definition file (lib/db/definitions.ts): the name is its path from the project root. */
export interface Definition {
  name: string;
  sql: string;
  checksum: string;
}

export class MigrationError extends Error {}

/**
 * What these migrations were when existing installs applied them, before their functions and
 * triggers moved to definition files (docs/decisions/010-database-rules-in-features.md): a database
 * that recorded one of these exact versions has the migration.
 */
export const LEGACY_CHECKSUMS: Readonly<Record<string, string>> = {
  "20261122000000_init": "a9e94462d54814397365d9b96c91b9c455a5e1d31cc900e7dac22455d6b9314a",
  "20261122020000_project_counts": "525d61fa4ff12ab2d7b7f996e9c8e7a4fa0b388ae61d4b44ef6296a54ecf80b2",
  "20261122030000_queue_hardening": "6c4581dff345b479e37883a92fe8447e98e4677d4a3a2368ce6804faf93959fc",
  "20261130000000_quality": "1cb1e4d6278194afa2bb9db4fafafa99696e9654790925fbb940b3d1f4305e3c",
  "20261201000000_export": "4f38dcd12137fdc9f2120b42203f8e450848c5124a30ded7c53d530df3bbdaf9",
  "20261201010000_queue_order": "170834a1a2cb53dacf914517ee823675f76a8ecd6a80c518aad4fe354978267a",
  "20261201020000_api_tokens": "fd57dcd2d9c9e18b441950b6143269ac298321f35f6f5e8d050c337c41962df1",
  "20261201030000_webhooks": "b7a93e50f52caa7f1426fb8e1b0293b77a86604ec7b91aa0f0e2f4542c671735",
};

/**
 * Earlier versions of migrations whose after-definitions.sql was rewritten when a later migration
 * replaced what it read (a fresh install runs every after-definitions.sql against the newest schema):
 * a database that recorded one of these ran the earlier version, and the later migration redoes its work.
 */
export const SUPERSEDED_CHECKSUMS: Readonly<Record<string, string>> = {
  // 20261206130000_verifier_scales replaced the fixed ScaleEdit score columns the key functions read.
  "20261201010000_queue_order": "7e8e5563eaa54c3ffef81828397e0a2736654d2981466f005cc3f7a113aec8de",
};

const MIGRATION_FILES = new Set(["migration.sql", "after-definitions.sql"]);

const sha256 = (...parts: string[]) => {
  const h = createHash("sha256");
  parts.forEach((p, i) => h.update(i === 0 ? p : `\0${p}`));
  return h.digest("hex");
};

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
      const files = await readdir(path.join(dir, name));
      const stray = files.filter((f) => !MIGRATION_FILES.has(f));
      if (stray.length) {
        throw new MigrationError(`Migration folder ${name} holds ${stray.join(", ")}: only migration.sql and after-definitions.sql are read.`);
      }
      const sql = await readFile(path.join(dir, name, "migration.sql"), "utf8");
      if (!files.includes("after-definitions.sql")) return { name, sql, after: null, checksum: sha256(sql) };
      const after = await readFile(path.join(dir, name, "after-definitions.sql"), "utf8");
      return { name, sql, after, checksum: sha256(sql, "after-definitions.sql", after) };
    }),
  );
}

export async function readDefinitions(root = PROJECT_ROOT, files: readonly string[] = DEFINITION_FILES): Promise<Definition[]> {
  const twice = files.filter((f, i) => files.indexOf(f) !== i);
  if (twice.length) throw new MigrationError(`Definition file(s) listed twice: ${twice.join(", ")}`);
  return Promise.all(
    files.map(async (name) => {
      const sql = await readFile(path.join(/*turbopackIgnore: true*/ root, name), "utf8").catch((err: NodeJS.ErrnoException) => {
        throw new MigrationError(`Definition file ${name} (lib/db/definitions.ts) cannot be read: ${err.message}`);
      });
      return { name, sql, checksum: sha256(sql) };
    }),
  );
}

// Any fixed number works; it only has to be the same for every Loupe process on one database.
const MIGRATION_LOCK = 7_241_953;

/**
 * Applies pending migrations in name order, each in its own transaction, recording name and checksum.
 * An applied migration whose file has since changed is refused: history is append-only.
 * Then the definition files (applyDefinitions). A session advisory lock lets several processes start
 * at once against one server safely, so the runner must be one connection (Database.dedicated),
 * never a pool.
 */
export async function migrate(
  db: SqlRunner,
  opts: { dir?: string; definitionsRoot?: string; definitionFiles?: readonly string[]; log?: (line: string) => void } = {},
): Promise<{ applied: string[]; definitions: string[] }> {
  const log = opts.log ?? (() => {});
  const migrations = await readMigrations(opts.dir);
  const definitions = await readDefinitions(opts.definitionsRoot, opts.definitionFiles);
  await db.query("SELECT pg_advisory_lock($1)", [MIGRATION_LOCK]);
  try {
    // pending_after_definitions: the migration's after-definitions.sql has yet to run.
    await db.exec(`CREATE TABLE IF NOT EXISTS "_loupe_migrations" (
      "name" TEXT PRIMARY KEY,
      "checksum" CHAR(64) NOT NULL,
      "applied_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "pending_after_definitions" BOOLEAN NOT NULL DEFAULT false
    )`);
    await db.exec(`ALTER TABLE "_loupe_migrations" ADD COLUMN IF NOT EXISTS "pending_after_definitions" BOOLEAN NOT NULL DEFAULT false`);
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
        if (prior !== m.checksum && prior !== LEGACY_CHECKSUMS[m.name] && prior !== SUPERSEDED_CHECKSUMS[m.name]) {
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
        await db.query(`INSERT INTO "_loupe_migrations" (name, checksum, pending_after_definitions) VALUES ($1, $2, $3)`, [
          m.name,
          m.checksum,
          m.after !== null,
        ]);
        await db.exec("COMMIT");
      } catch (err) {
        await db.exec("ROLLBACK");
        throw new MigrationError(`Migration ${m.name} failed: ${(err as Error).message}`);
      }
      done.push(m.name);
    }
    const defined = await applyDefinitions(db, definitions, migrations, done.length > 0, log);
    await repairFeedXids(db, log);
    return { applied: done, definitions: defined };
  } finally {
    await db.query("SELECT pg_advisory_unlock($1)", [MIGRATION_LOCK]);
  }
}

/**
 * Applies every definition file, in the declared order and in one transaction, when one of them
 * changed (or was added or removed) or a numbered migration ran in this run, since a migration may
 * drop what a trigger hangs on; then the after-definitions.sql of each migration that still owes it.
 * Records each file's checksum in `_loupe_definitions`. Anything failing rolls all of it back, and
 * the next run tries again. Answers the files applied.
 */
async function applyDefinitions(
  db: SqlRunner,
  definitions: Definition[],
  migrations: Migration[],
  migrated: boolean,
  log: (line: string) => void,
): Promise<string[]> {
  await db.exec(`CREATE TABLE IF NOT EXISTS "_loupe_definitions" (
    "name" TEXT PRIMARY KEY,
    "checksum" CHAR(64) NOT NULL,
    "applied_at" TIMESTAMPTZ NOT NULL DEFAULT now()
  )`);
  const rows = await db.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM "_loupe_definitions"`);
  const recorded = new Map(rows.map((r) => [r.name, r.checksum]));
  const changed = definitions.filter((d) => recorded.get(d.name) !== d.checksum).map((d) => d.name);
  const removed = [...recorded.keys()].filter((name) => !definitions.some((d) => d.name === name));
  const owed = await db.query<{ name: string }>(
    `SELECT name FROM "_loupe_migrations" WHERE pending_after_definitions ORDER BY name`,
  );
  if (!migrated && changed.length === 0 && removed.length === 0 && owed.length === 0) return [];
  log(changed.length || removed.length ? `applying definition files (changed: ${[...changed, ...removed].join(", ")})` : "applying definition files");
  let step = "";
  await db.exec("BEGIN");
  try {
    for (const d of definitions) {
      step = `Definition file ${d.name}`;
      await db.exec(d.sql);
    }
    step = "Recording the definition files";
    await db.exec(`DELETE FROM "_loupe_definitions"`);
    for (const d of definitions) {
      await db.query(`INSERT INTO "_loupe_definitions" (name, checksum) VALUES ($1, $2)`, [d.name, d.checksum]);
    }
    for (const { name } of owed) {
      step = `Migration ${name} after-definitions.sql`;
      const after = migrations.find((m) => m.name === name)?.after;
      if (after == null) throw new Error("the file is missing");
      log(`applying ${name}/after-definitions.sql`);
      await db.exec(after);
      await db.query(`UPDATE "_loupe_migrations" SET pending_after_definitions = false WHERE name = $1`, [name]);
    }
    await db.exec("COMMIT");
  } catch (err) {
    await db.exec("ROLLBACK");
    throw new MigrationError(`${step} failed: ${(err as Error).message} (no definition file was applied)`);
  }
  return definitions.map((d) => d.name);
}

/**
 * After every migration run: pairs.final_xid values beyond this cluster's transaction counter (the
 * database was restored from a dump into another cluster, or copied there) are renumbered, so the
 * labels feed serves those pairs again instead of hiding them, and cursors handed out before are
 * refused (lib/pipeline-api/labels.ts; docs/decisions/008-pipeline-api.md). One index probe per project when
 * there is nothing to do. Skipped for a database that predates the function (a migration test's own
 * folder).
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
