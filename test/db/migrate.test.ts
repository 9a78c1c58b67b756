import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { appendFile, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFINITION_FILES } from "@/lib/db/definitions";
import { migrate, MIGRATIONS_DIR, MigrationError } from "@/lib/db/migrate";
import { engines, freshDatabase, type TestDatabase } from "@/test/support/db";

// The migration runner against a real empty database: it records what it applied, is idempotent,
// treats applied migrations as immutable, refuses a database migrated by a newer version, and
// applies each migration atomically. test/db/definitions.test.ts covers the definition files.

/**
 * The migration folders in prisma/migrations with the sha256 of each migration.sql, computed here
 * independently; a folder with an after-definitions.sql hashes both, NUL and the second file's name
 * between them.
 */
async function migrationsOnDisk(dir = MIGRATIONS_DIR): Promise<{ name: string; checksum: string }[]> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const hash = createHash("sha256").update(await readFile(path.join(dir, name, "migration.sql")));
      const after = path.join(dir, name, "after-definitions.sql");
      if (existsSync(after)) hash.update("\0after-definitions.sql\0").update(await readFile(after));
      return { name, checksum: hash.digest("hex") };
    }),
  );
}

const ALL_DEFINITIONS = [...DEFINITION_FILES];

async function recorded(db: TestDatabase): Promise<{ name: string; checksum: string }[]> {
  return db.query<{ name: string; checksum: string }>(
    `SELECT name, checksum FROM "_loupe_migrations" ORDER BY name`,
  );
}

async function tableExists(db: TestDatabase, name: string): Promise<boolean> {
  const [row] = await db.query<{ found: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS found`, [
    `public.${name}`,
  ]);
  return row?.found === true;
}

describe.each(engines())("migrate ($engine)", ({ engine }) => {
  let db: TestDatabase;
  let dir: string; // a private copy of prisma/migrations that a test may edit

  beforeEach(async () => {
    db = await freshDatabase(engine, { migrate: false });
    dir = await mkdtemp(path.join(tmpdir(), "loupe-migrations-"));
    await cp(MIGRATIONS_DIR, dir, { recursive: true });
  });

  afterEach(async () => {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("applies every migration to an empty database and records each with its sha256", async () => {
    const onDisk = await migrationsOnDisk();
    expect(onDisk.length).toBeGreaterThan(0);
    expect(await tableExists(db, "users")).toBe(false);

    const { applied } = await db.dedicated((r) => migrate(r));

    expect(applied).toEqual(onDisk.map((m) => m.name));
    expect(await recorded(db)).toEqual(onDisk);
    for (const m of await recorded(db)) expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(await tableExists(db, "users")).toBe(true);
  });

  it("applies nothing when run again", async () => {
    await db.dedicated((r) => migrate(r));
    const before = await db.query(`SELECT name, checksum, applied_at FROM "_loupe_migrations" ORDER BY name`);

    expect(await db.dedicated((r) => migrate(r))).toEqual({ applied: [], definitions: [] });
    expect(await db.dedicated((r) => migrate(r))).toEqual({ applied: [], definitions: [] });

    expect(await db.query(`SELECT name, checksum, applied_at FROM "_loupe_migrations" ORDER BY name`)).toEqual(
      before,
    );
  });

  it("applies only the new migration when one is added later, and the definition files after it", async () => {
    await db.dedicated((r) => migrate(r, { dir }));
    const name = "29990101000000_add_probe";
    await mkdir(path.join(dir, name));
    await writeFile(path.join(dir, name, "migration.sql"), `CREATE TABLE "probe" ("id" INTEGER PRIMARY KEY);\n`);

    expect(await db.dedicated((r) => migrate(r, { dir }))).toEqual({ applied: [name], definitions: ALL_DEFINITIONS });
    expect(await tableExists(db, "probe")).toBe(true);
    expect((await recorded(db)).map((r) => r.name)).toEqual([...(await migrationsOnDisk()).map((m) => m.name), name]);
  });

  it("refuses a migration whose file changed after it was applied, naming it", async () => {
    await db.dedicated((r) => migrate(r, { dir }));
    const first = (await migrationsOnDisk(dir))[0]!;
    const before = await recorded(db);
    await appendFile(path.join(dir, first.name, "migration.sql"), `\n-- edited after it was applied\n`);

    const run = db.dedicated((r) => migrate(r, { dir }));
    await expect(run).rejects.toBeInstanceOf(MigrationError);
    await expect(db.dedicated((r) => migrate(r, { dir }))).rejects.toThrow(
      new RegExp(`Migration ${first.name} was changed after it was applied`),
    );
    expect(await recorded(db)).toEqual(before); // the stored checksum is not overwritten

    await cp(path.join(MIGRATIONS_DIR, first.name, "migration.sql"), path.join(dir, first.name, "migration.sql"));
    expect(await db.dedicated((r) => migrate(r, { dir }))).toEqual({ applied: [], definitions: [] });
  });

  it("refuses a database that has a migration this version does not know", async () => {
    await db.dedicated((r) => migrate(r));
    const unknown = "29991231235959_from_a_newer_loupe";
    await db.query(`INSERT INTO "_loupe_migrations" (name, checksum) VALUES ($1, $2)`, [
      unknown,
      "0".repeat(64),
    ]);

    await expect(db.dedicated((r) => migrate(r))).rejects.toBeInstanceOf(MigrationError);
    await expect(db.dedicated((r) => migrate(r))).rejects.toThrow(new RegExp(`Database has migration ${unknown} that this Loupe does not know`));
  });

  it("rolls back a failing migration completely and does not record it", async () => {
    const name = "29990101000000_breaks_halfway";
    await mkdir(path.join(dir, name));
    await writeFile(
      path.join(dir, name, "migration.sql"),
      [
        `CREATE TABLE "half_done" ("id" INTEGER PRIMARY KEY);`,
        `ALTER TABLE "users" ADD COLUMN "half_done_column" TEXT;`,
        `INSERT INTO "half_done" VALUES (1);`,
        `INSERT INTO "no_such_table" VALUES (1);`,
        ``,
      ].join("\n"),
    );

    await expect(db.dedicated((r) => migrate(r, { dir }))).rejects.toThrow(new RegExp(`Migration ${name} failed: .*no_such_table`));

    const good = await migrationsOnDisk();
    expect(await recorded(db)).toEqual(good);
    expect(await tableExists(db, "half_done")).toBe(false);
    const cols = await db.query(
      `SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'users' AND column_name = 'half_done_column'`,
    );
    expect(cols).toEqual([]);
    // The connection is usable and outside any transaction: a later run retries the fixed migration.
    await writeFile(path.join(dir, name, "migration.sql"), `CREATE TABLE "half_done" ("id" INTEGER PRIMARY KEY);\n`);
    expect(await db.dedicated((r) => migrate(r, { dir }))).toEqual({ applied: [name], definitions: ALL_DEFINITIONS });
    expect(await tableExists(db, "half_done")).toBe(true);
  });

  it("refuses a migration folder holding a file it would not read", async () => {
    const first = (await migrationsOnDisk(dir))[0]!;
    await writeFile(path.join(dir, first.name, "after-definition.sql"), "SELECT 1;\n");

    await expect(db.dedicated((r) => migrate(r, { dir }))).rejects.toThrow(
      `Migration folder ${first.name} holds after-definition.sql: only migration.sql and after-definitions.sql are read.`,
    );
    expect(await tableExists(db, "users")).toBe(false);
  });

  it("a failing first migration leaves an empty database", async () => {
    const first = (await migrationsOnDisk(dir))[0]!;
    await appendFile(path.join(dir, first.name, "migration.sql"), `\nSELECT 1 / 0;\n`);

    await expect(db.dedicated((r) => migrate(r, { dir }))).rejects.toThrow(new RegExp(`Migration ${first.name} failed`));

    expect(await recorded(db)).toEqual([]);
    const tables = await db.query<{ name: string }>(
      `SELECT tablename::text AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`,
    );
    expect(tables).toEqual([{ name: "_loupe_migrations" }]);
    const types = await db.query(
      `SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace WHERE n.nspname = 'public' AND t.typtype = 'e'`,
    );
    expect(types).toEqual([]);
  });
});
