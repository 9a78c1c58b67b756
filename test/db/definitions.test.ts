import { createHash, randomUUID } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DEFINITION_FILES } from "@/lib/db/definitions";
import { LEGACY_CHECKSUMS, migrate, MigrationError, PROJECT_ROOT } from "@/lib/db/migrate";
import type { SqlRunner } from "@/lib/db/sql";
import { functionNames, readCatalog, triggerNames } from "@/test/support/catalog";
import { engines, freshDatabase, type TestDatabase } from "@/test/support/db";

// The database's rules live in definition files (lib/db/definitions.ts) that the migration runner
// applies after the numbered migrations. A database migrated from empty and one migrated by the Loupe
// of 2026-12-06 (its 11 migration folders kept verbatim in test/fixtures) and then upgraded end with
// the same catalog, function bodies and triggers included; so does an install that stopped partway
// through that chain, whose data moves that call the rules run after the definitions.

const FIXTURE = path.join(PROJECT_ROOT, "test/fixtures/migrations-2026-12-06");
const LAST_BEFORE_QUALITY = "20261122050000_import_speed";
const HASH = "0".repeat(64);

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** Migrations written after 2026-12-06: an upgrade from that day applies them as any install would. */
async function laterMigrations(): Promise<string[]> {
  const then = new Set(await readdir(FIXTURE));
  return (await readdir(path.join(PROJECT_ROOT, "prisma/migrations"))).filter((n) => !then.has(n)).sort();
}

/**
 * Migrates the way Loupe did on 2026-12-06, from that day's folders: each migration in its own
 * transaction, its name and sha256 in that runner's `_loupe_migrations`, then the labels feed repair.
 * `upTo` stops after that migration, like an install that was last started then.
 */
async function migrateAsOn20261206(r: SqlRunner, upTo?: string): Promise<void> {
  await r.exec(`CREATE TABLE IF NOT EXISTS "_loupe_migrations" (
    "name" TEXT PRIMARY KEY, "checksum" CHAR(64) NOT NULL, "applied_at" TIMESTAMPTZ NOT NULL DEFAULT now())`);
  for (const name of (await readdir(FIXTURE)).sort()) {
    const sql = await readFile(path.join(FIXTURE, name, "migration.sql"), "utf8");
    await r.exec("BEGIN");
    await r.exec(sql);
    await r.query(`INSERT INTO "_loupe_migrations" (name, checksum) VALUES ($1, $2)`, [name, sha256(sql)]);
    await r.exec("COMMIT");
    if (name === upTo) break;
  }
  const [fn] = await r.query<{ ok: boolean }>(`SELECT to_regproc('loupe_repair_final_xid') IS NOT NULL AS ok`);
  if (fn?.ok) await r.query(`SELECT loupe_repair_final_xid()`);
}

/** The functions and triggers the definition files create, by name. */
async function definedNames(): Promise<{ functions: string[]; triggers: string[] }> {
  const sql = (await Promise.all(DEFINITION_FILES.map((f) => readFile(path.join(PROJECT_ROOT, f), "utf8")))).join("\n");
  const names = (kind: string) => [...sql.matchAll(new RegExp(`^CREATE OR REPLACE ${kind} (\\w+)`, "gm"))].map((m) => m[1]!).sort();
  return { functions: names("FUNCTION"), triggers: names("TRIGGER") };
}

/** A private copy of the definition files under a temporary project root, for a test to edit. */
async function copyDefinitions(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "loupe-definitions-"));
  for (const f of DEFINITION_FILES) {
    await mkdir(path.dirname(path.join(root, f)), { recursive: true });
    await cp(path.join(PROJECT_ROOT, f), path.join(root, f));
  }
  return root;
}

async function insertLabel(r: SqlRunner, pairId: string, projectId: number, annotatorId: number, decision = "accept") {
  await r.query(
    `INSERT INTO labels (pair_id, project_id, annotator_id, decision, seconds_spent, submission_id) VALUES ($1, $2, $3, $4::"Decision", 3, $5)`,
    [pairId, projectId, annotatorId, decision, randomUUID()],
  );
}

/** Two annotators and a project wanting two labels a pair, in any schema since the first migration. */
async function seedPeople(r: SqlRunner): Promise<{ users: [number, number]; project: number }> {
  const users = await r.query<{ id: number }>(
    `INSERT INTO users (email, name, password_hash) VALUES ('a@test.local', 'A', 'x'), ('b@test.local', 'B', 'x') RETURNING id`,
  );
  const [project] = await r.query<{ id: number }>(
    `INSERT INTO projects (name, overlap, reject_reasons) VALUES ('legacy', 2, '[]') RETURNING id`,
  );
  return { users: [users[0]!.id, users[1]!.id], project: project!.id };
}

/** A pair; with scores, in the 2026-12-06 schema's ScaleEdit columns (those moved to verifier_scores in 20261206130000). */
async function insertPair(r: SqlRunner, project: number, externalId: string, task: string, scores: [number, number, number] | null = null) {
  const [pair] = scores
    ? await r.query<{ id: string }>(
      `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, task, wanted,
                          vs_instruction_following, vs_editing_consistency, vs_generation_quality, verifier_valid, model_version)
       VALUES ($1, $2, $3, $3, 'Add a kite', $4, 2, $5, $6, $7, true, 'inspector-1') RETURNING id::text`,
      [project, externalId, HASH, task, scores[0], scores[1], scores[2]],
    )
    : await r.query<{ id: string }>(
      `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, task, wanted)
       VALUES ($1, $2, $3, $3, 'Add a kite', $4, 2) RETURNING id::text`,
      [project, externalId, HASH, task],
    );
  return pair!.id;
}

describe.each(engines())("definition files ($engine)", ({ engine }) => {
  let dbs: TestDatabase[] = [];
  let roots: string[] = [];
  const open = async (opts: { migrate?: boolean } = {}) => {
    const db = await freshDatabase(engine, opts);
    dbs.push(db);
    return db;
  };

  beforeEach(() => {
    dbs = [];
    roots = [];
  });

  afterEach(async () => {
    for (const db of dbs) await db.close();
    for (const root of roots) await rm(root, { recursive: true, force: true });
  });

  it("an empty database and one migrated by the Loupe of 2026-12-06, then upgraded, end with the same catalog", async () => {
    const fresh = await open();
    const old = await open({ migrate: false });
    await old.dedicated((r) => migrateAsOn20261206(r));
    const { users, project } = await seedPeople(old);
    const pair = await insertPair(old, project, "e-0", "object");
    await insertLabel(old, pair, project, users[0]);
    // A scored pair and the project's own keep rule, to be carried into its declaration.
    const scored = await insertPair(old, project, "e-1", "object", [3, 2, 2]);
    await old.query(`UPDATE projects SET keep_min_ec = 1 WHERE id = $1`, [project]);
    const before = await readCatalog(old);
    const recordedBefore = await old.query(`SELECT name, checksum FROM "_loupe_migrations" ORDER BY name`);

    const upgrade = await old.dedicated((r) => migrate(r));

    // Every migration of that day is known by its earlier checksum; only later ones and the definition files are applied.
    const later = await laterMigrations();
    expect(upgrade).toEqual({ applied: later, definitions: [...DEFINITION_FILES] });
    const recordedAfter = await old.query<{ name: string }>(`SELECT name, checksum FROM "_loupe_migrations" ORDER BY name`);
    expect(recordedAfter.filter((r) => !later.includes(r.name))).toEqual(recordedBefore);
    expect(recordedBefore.filter((r) => LEGACY_CHECKSUMS[r.name as string] === r.checksum)).toHaveLength(
      Object.keys(LEGACY_CHECKSUMS).length,
    );
    const upgraded = await readCatalog(old);
    expect(upgraded).toEqual(await readCatalog(fresh));
    // Every function and trigger of 2026-12-06 is still there, and nothing but what the definition
    // files define: none left over from the old history.
    expect(functionNames(upgraded)).toEqual(expect.arrayContaining(functionNames(before)));
    expect(triggerNames(upgraded)).toEqual(expect.arrayContaining(triggerNames(before)));
    const defined = await definedNames();
    expect(functionNames(upgraded)).toEqual(defined.functions);
    expect(triggerNames(upgraded)).toEqual(defined.triggers);
    expect(defined.functions.length).toBeGreaterThan(20);

    // The verifier scales migration: the project's thresholds became its ScaleEdit declaration, the
    // scores moved into the keyed object, and the output is its version's row.
    const [declared] = await old.query<{ verifier_scales: { key: string; keep: number | null; min: number; max: number }[] }>(
      `SELECT verifier_scales FROM projects WHERE id = $1`, [project]);
    expect(declared!.verifier_scales.map((c) => [c.key, c.min, c.max, c.keep])).toEqual([
      ["instruction_following", 1, 3, 3], ["editing_consistency", 1, 3, 1], ["generation_quality", 1, 3, 2], ["overall", 0, 10, null],
    ]);
    const [moved] = await old.query(
      `SELECT p.verifier_scores, p.verifier_margin, p.model_version, o.version, o.scores, o.valid
       FROM pairs p JOIN pair_verifier_outputs o ON o.pair_id = p.id WHERE p.id = $1`, [scored]);
    expect(moved).toEqual({
      verifier_scores: { instruction_following: 3, editing_consistency: 2, generation_quality: 2 }, verifier_margin: 0, // at IF's threshold (EC is 0.5 above its own)
      model_version: "inspector-1", version: "inspector-1",
      scores: { instruction_following: 3, editing_consistency: 2, generation_quality: 2 }, valid: true,
    });
    // The rules work on the data that was there: the pair's second label settles it.
    await insertLabel(old, pair, project, users[1]);
    const [settled] = await old.query(`SELECT status, final_decision, final_source, taken, label_count FROM pairs WHERE id = $1`, [pair]);
    expect(settled).toEqual({ status: "final", final_decision: "accept", final_source: "consensus", taken: 2, label_count: 2 });
  });

  it("an install that stopped before the quality migration upgrades: its data moves run after the definitions", async () => {
    const fresh = await open();
    const old = await open({ migrate: false });
    await old.dedicated((r) => migrateAsOn20261206(r, LAST_BEFORE_QUALITY));
    const { users, project } = await seedPeople(old);
    const done = await insertPair(old, project, "e-0", "object");
    const kept = await insertPair(old, project, "e-1", "object", [3, 2, 2]);
    const other = await insertPair(old, project, "e-2", "text");
    for (const u of users) await insertLabel(old, done, project, u);
    const [labelled] = await old.query(`SELECT status FROM pairs WHERE id = $1`, [done]);
    expect(labelled).toEqual({ status: "labelled" });

    const lines: string[] = [];
    const upgrade = await old.dedicated((r) => migrate(r, { log: (l) => lines.push(l) }));

    const all = (await readdir(FIXTURE)).sort();
    expect(upgrade).toEqual({ applied: [...all.slice(all.indexOf(LAST_BEFORE_QUALITY) + 1), ...(await laterMigrations())], definitions: [...DEFINITION_FILES] });
    expect(lines).toContain("applying 20261130000000_quality/after-definitions.sql");
    expect(lines).toContain("applying 20261201010000_queue_order/after-definitions.sql");
    expect(await readCatalog(old)).toEqual(await readCatalog(fresh));
    expect(await old.query(`SELECT name FROM "_loupe_migrations" WHERE pending_after_definitions`)).toEqual([]);

    // The quality migration's data move: the labelled pair settled, and the feed trigger saw it.
    const [settled] = await old.query(
      `SELECT status, final_decision, final_source, agreement, final_xid IS NOT NULL AS in_feed FROM pairs WHERE id = $1`,
      [done],
    );
    expect(settled).toEqual({ status: "final", final_decision: "accept", final_source: "consensus", agreement: 1, in_feed: true });
    // The queue order migration's: keys on open pairs, ranks over every regular pair of a stratum.
    const keys = await old.query(
      `SELECT external_id, queue_uncertainty, queue_disagreement, queue_stratum_rank FROM pairs WHERE id IN ($1, $2) ORDER BY id`,
      [kept, other],
    );
    // (Uncertainty on the normalised scale since 20261206130000: e-1 keeps IF 3 ≥ 3, EC 2 ≥ 2, GQ 2 ≥ 2, at the thresholds.)
    expect(keys).toEqual([
      { external_id: "e-1", queue_uncertainty: 0, queue_disagreement: 0, queue_stratum_rank: 2 },
      { external_id: "e-2", queue_uncertainty: null, queue_disagreement: 0, queue_stratum_rank: 1 },
    ]);
    const next = await insertPair(old, project, "e-3", "object");
    const [rank] = await old.query(`SELECT queue_stratum_rank FROM pairs WHERE id = $1`, [next]);
    expect(rank).toEqual({ queue_stratum_rank: 3 });
    const [counts] = await old.query(
      `SELECT sum(open)::int AS open, sum(labelled)::int AS labelled, sum(final)::int AS final, sum(labels)::int AS labels
       FROM project_counts WHERE project_id = $1`,
      [project],
    );
    expect(counts).toEqual({ open: 3, labelled: 0, final: 1, labels: 2 });
  });

  it("records each definition file's checksum, and applies them again only when one changes", async () => {
    const copy = await copyDefinitions();
    roots.push(copy);
    const db = await open({ migrate: false });
    const run = () => db.dedicated((r) => migrate(r, { definitionsRoot: copy }));
    const recorded = () => db.query<{ name: string; checksum: string; applied_at: Date }>(
      `SELECT name, checksum, applied_at FROM "_loupe_definitions" ORDER BY name`,
    );

    expect((await run()).definitions).toEqual([...DEFINITION_FILES]);
    const first = await recorded();
    const onDisk = await Promise.all(DEFINITION_FILES.map(async (f) => ({ name: f, checksum: sha256(await readFile(path.join(PROJECT_ROOT, f), "utf8")) })));
    expect(first.map(({ name, checksum }) => ({ name, checksum }))).toEqual(onDisk.sort((a, b) => (a.name < b.name ? -1 : 1)));

    expect(await run()).toEqual({ applied: [], definitions: [] });
    expect(await recorded()).toEqual(first);

    const split = "lib/exports/sql/split.sql";
    const [{ h: was }] = (await db.query<{ h: number }>(`SELECT loupe_split_hash('pair-1') AS h`)) as [{ h: number }];
    const text = await readFile(path.join(copy, split), "utf8");
    expect(text).toContain("/ 4503599627370496");
    await writeFile(path.join(copy, split), text.replace("/ 4503599627370496", "/ 4503599627370496 / 2"));

    const lines: string[] = [];
    expect(await db.dedicated((r) => migrate(r, { definitionsRoot: copy, log: (l) => lines.push(l) }))).toEqual({
      applied: [],
      definitions: [...DEFINITION_FILES],
    });
    expect(lines).toEqual([`applying definition files (changed: ${split})`]);
    const [{ h: now }] = (await db.query<{ h: number }>(`SELECT loupe_split_hash('pair-1') AS h`)) as [{ h: number }];
    expect(Number(now)).toBe(Number(was) / 2);
    const second = await recorded();
    expect(second.find((r) => r.name === split)?.checksum).toBe(sha256(await readFile(path.join(copy, split), "utf8")));
    expect(second.filter((r) => r.name !== split).map((r) => r.checksum)).toEqual(first.filter((r) => r.name !== split).map((r) => r.checksum));

    expect(await run()).toEqual({ applied: [], definitions: [] });
  });

  it("a failing definition file rolls all of them back; the next run applies them and the data moves they owe", async () => {
    const copy = await copyDefinitions();
    roots.push(copy);
    const db = await open({ migrate: false });
    const [firstFile, lastFile] = [DEFINITION_FILES[0], DEFINITION_FILES.at(-1)!];
    const last = await readFile(path.join(copy, lastFile), "utf8");
    await appendFile(path.join(copy, firstFile), `\nCREATE OR REPLACE FUNCTION loupe_probe() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n`);
    await appendFile(path.join(copy, lastFile), `\nSELECT 1 / 0;\n`);

    const run = db.dedicated((r) => migrate(r, { definitionsRoot: copy }));
    await expect(run).rejects.toBeInstanceOf(MigrationError);
    await expect(run).rejects.toThrow(`Definition file ${lastFile} failed: division by zero`);

    // The numbered migrations committed one by one; nothing of the definition files remains, and
    // the three migrations whose data moves call the rules still owe them.
    expect(await db.query(`SELECT count(*)::int AS n FROM "_loupe_migrations"`)).toEqual([{ n: (await readdir(FIXTURE)).length + (await laterMigrations()).length }]);
    expect(await db.query(`SELECT name FROM "_loupe_migrations" WHERE pending_after_definitions ORDER BY name`)).toEqual([
      { name: "20261130000000_quality" },
      { name: "20261201010000_queue_order" },
      { name: "20261206130000_verifier_scales" },
    ]);
    expect(await db.query(`SELECT count(*)::int AS n FROM "_loupe_definitions"`)).toEqual([{ n: 0 }]);
    expect(await db.query(`SELECT proname::text FROM pg_proc WHERE proname::text LIKE 'loupe%'`)).toEqual([]);
    expect(await db.query(`SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal`)).toEqual([]);

    await writeFile(path.join(copy, lastFile), last);
    expect(await db.dedicated((r) => migrate(r, { definitionsRoot: copy }))).toEqual({ applied: [], definitions: [...DEFINITION_FILES] });
    expect(await db.query(`SELECT name FROM "_loupe_migrations" WHERE pending_after_definitions`)).toEqual([]);
    expect(await db.query(`SELECT loupe_probe() AS one`)).toEqual([{ one: 1 }]);
    expect(triggerNames(await readCatalog(db)).length).toBeGreaterThan(10);
  });
});
