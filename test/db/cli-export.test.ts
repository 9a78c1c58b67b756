import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Db } from "@/lib/db/connect";
import { migrate } from "@/lib/db/migrate";
import { createServerDatabase } from "@/test/support/db";
import { seedExportProject, type TSeeded } from "@/test/support/export-fixtures";
import { ZCanonicalLine } from "@/lib/exports/formats/canonical-schema";

// `loupe export` as a user runs it (tsx, its own process), on PGlite and the server: flags, progress, paths,
// counts, --out, and clear refusals.

type Target = { engine: "pglite" } | { engine: "postgres" };
const targets: Target[] = [{ engine: "pglite" }, ...(process.env.TEST_DATABASE_URL ? [{ engine: "postgres" as const }] : [])];

const TSX = ["node_modules/tsx/dist/cli.mjs", "--conditions=react-server", "scripts/cli.ts"];

describe.each(targets)("loupe export CLI ($engine)", ({ engine }) => {
  const dir = mkdtempSync(path.join(tmpdir(), "loupe-cli-exp-"));
  const dataDir = path.join(dir, "data");
  let databaseUrl = "";
  let dropServer = async () => {};
  let seeded: TSeeded;

  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [...TSX, ...args], {
      env: { ...process.env, LOUPE_DATA_DIR: dataDir, DATABASE_URL: databaseUrl },
      encoding: "utf8",
      timeout: 180_000,
    });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };
  async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
    const db = await openDatabase(databaseUrl ? { kind: "server", url: databaseUrl } : { kind: "embedded", dataDir });
    try {
      return await fn(db);
    } finally {
      await db.close();
    }
  }

  beforeAll(async () => {
    if (engine === "postgres") {
      const server = await createServerDatabase("loupe_t_cliexp");
      databaseUrl = server.url;
      dropServer = server.drop;
    }
    seeded = await withDb(async (db) => {
      await db.dedicated((r) => migrate(r));
      return seedExportProject(db, { name: "CLI export" });
    });
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await dropServer();
  });

  it("exports with filters as flags, draws the bar, prints paths and counts, and copies to --out", () => {
    const out = path.join(dir, "out", "accepted.jsonl");
    const r = cli(["export", "--project", "CLI export", "--format", "canonical", "--decision", "accept,recaption", "--task", "object",
      "--gold", "exclude", "--to", "2026-01-20", "--validation", "0.3", "--out", out]);
    const expected = seeded.final.filter((p) => p.decision !== "reject" && p.task === "object" && !p.isGold && p.finalizedAt < "2026-01-21");
    expect(r.out).toMatch(/Export \d+: "CLI export" as canonical \(accept or re-caption · task object · finalised before 2026-01-21 · no gold\)\./);
    expect(r.out).toMatch(/\[#{30}\]\s+100\.0% \d+ of \d+ pairs/);
    expect(r.out).toContain(`Exported ${expected.length} pairs as ${expected.length} records.`);
    expect(r.out).toMatch(/decisions: accept \d+, recaption \d+/);
    expect(r.out).toMatch(/Data file: .*exports\/\d+\/export-\d+-canonical\.jsonl/);
    expect(r.out).toMatch(/Manifest: {2}.*exports\/\d+\/manifest\.json/);
    expect(r.code).toBe(0);
    const text = readFileSync(out, "utf8");
    const lines = text.trim().split("\n").map((l) => ZCanonicalLine.parse(JSON.parse(l)));
    expect(lines.map((l) => l.external_id)).toEqual(expected.map((p) => p.externalId));
    const manifest = JSON.parse(readFileSync(`${out}.manifest.json`, "utf8")) as { sha256: string; options: { validationFraction: number } };
    expect(manifest.sha256).toBe(createHash("sha256").update(text).digest("hex"));
    expect(manifest.options.validationFraction).toBe(0.3);
    expect(r.out).toContain(`sha256:    ${manifest.sha256}`);

    const folder = path.join(dir, "folder") + "/";
    const all = cli(["export", "--project", String(seeded.projectId), "--format", "canonical", "--out", folder]);
    expect(all.code).toBe(0);
    const files = readFileSync(path.join(folder, "manifest.json"), "utf8");
    expect(JSON.parse(files)).toMatchObject({ pairs: seeded.final.length, records: seeded.final.length });
  });

  it("refuses unknown projects, formats, saved filters and bad values with a clear message", () => {
    expect(cli(["export", "--project", "nope", "--format", "canonical"]).out).toMatch(/No project "nope"/);
    const badFormat = cli(["export", "--project", "CLI export", "--format", "xml"]);
    expect(badFormat.out).toMatch(/--format is one of canonical, gold-jsonl, gold-csv, gold-parquet, verifier-sft, verifier-preference, verifier-trainers; got "xml"/);
    expect(badFormat.code).toBe(1);
    expect(cli(["export", "--project", "CLI export", "--format", "canonical", "--saved", "ghost"]).out).toMatch(/No saved filter "ghost" in "CLI export"/);
    expect(cli(["export", "--project", "CLI export", "--format", "canonical", "--from", "01/02/2026"]).out).toMatch(/--from expects a day as YYYY-MM-DD/);
    expect(cli(["export", "--project", "CLI export", "--format", "canonical", "--min-agreement", "2"]).out)
      .toMatch(/Error: Export filters are not valid\. Minimum agreement must be a number between 0 and 1\./);
    expect(cli(["export", "--project", "CLI export"]).out).toMatch(/export needs --project and --format/);
    const help = cli(["help"]).out;
    for (const flag of ["--project", "--format", "--decision", "--adjudicated", "--min-agreement", "--task", "--subtask", "--from", "--to", "--gold", "--saved", "--images", "--validation", "--trainers", "--out"]) {
      expect(help).toContain(flag);
    }
  });
});
