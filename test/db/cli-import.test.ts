import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Db } from "@/lib/db/connect";
import { createServerDatabase } from "@/test/support/db";
import { writeImagePairs } from "@/test/support/import-fixtures";

// project:add, project:list and import as a user runs them, on PGlite and the server, and an import killed
// mid-way that the same command then finishes with no duplicates and no gaps.

type Target = { engine: "pglite" } | { engine: "postgres" };
const targets: Target[] = [{ engine: "pglite" }, ...(process.env.TEST_DATABASE_URL ? [{ engine: "postgres" as const }] : [])];

const TSX = ["node_modules/tsx/dist/cli.mjs", "--conditions=react-server", "scripts/cli.ts"];

describe.each(targets)("loupe import CLI ($engine)", ({ engine }) => {
  const dir = mkdtempSync(path.join(tmpdir(), "loupe-cli-imp-"));
  const dataDir = path.join(dir, "data");
  let databaseUrl = "";
  let dropServer = async () => {};

  const env = () => ({ ...process.env, LOUPE_DATA_DIR: dataDir, DATABASE_URL: databaseUrl, LOUPE_IMAGE_ROOT: "" });
  const cli = (args: string[]) => {
    const r = spawnSync(process.execPath, [...TSX, ...args], { env: env(), encoding: "utf8", timeout: 180_000 });
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

  let files: { source: string; edited: string }[];
  beforeAll(async () => {
    if (engine === "postgres") {
      const server = await createServerDatabase("loupe_t_cli");
      databaseUrl = server.url;
      dropServer = server.drop;
    }
    files = await writeImagePairs(dir, 4);
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await dropServer();
  });

  it("creates and lists projects, imports a CSV with a bad row, writes the report and dedupes a re-run", () => {
    const add = cli(["project:add", "--name", "CLI project", "--overlap", "2"]);
    expect(add.out).toMatch(/Created project \d+ "CLI project" \(overlap 2\)/);
    expect(add.code).toBe(0);
    expect(cli(["project:add", "--name", "CLI project"]).out).toMatch(/already exists/);
    expect(cli(["project:add", "--name", "x", "--overlap", "9"]).code).toBe(1);

    const csv = ["external_id,instruction,source_image,edited_image", `c1,"add a square, centred",${files[0]!.source},${files[0]!.edited}`, `c2,missing image,images/none.png,${files[1]!.edited}`, `c3,"say ""hi""",${files[2]!.source},${files[2]!.edited}`];
    writeFileSync(path.join(dir, "m.csv"), csv.join("\n") + "\n");
    const report = path.join(dir, "report.csv");
    const imp = cli(["import", "--project", "CLI project", "--report", report, path.join(dir, "m.csv")]);
    expect(imp.out).toMatch(/Imported 3 rows: 2 inserted, 0 already present, 1 invalid\./);
    expect(imp.out).toMatch(/\[#+\]\s+100\.0%/); // the progress bar reached the end
    expect(imp.code).toBe(0);
    // The first invalid rows are printed with their position, their own id and the reason, not only the report's path.
    expect(imp.out).toContain('Invalid rows:\n  m.csv, line 3 (id c2): source image: image file not found: images/none.png\n');
    const rep = readFileSync(report, "utf8");
    expect(rep.split("\n")[0]).toBe("kind,file,line,row_group,row,record,id,reason,matched_pair,matched_import,matched_file,matched_line,matched_record");
    expect(rep).toMatch(/^invalid,m\.csv,3,,,1,c2,.*not found/m);

    const list = cli(["project:list"]);
    expect(list.out).toMatch(/CLI project\s+2\s+2\s+2\s+0/);

    const again = cli(["import", "--project", "CLI project", "--report", report, path.join(dir, "m.csv")]);
    expect(again.out).toMatch(/Nothing inserted: 1 row invalid, 2 rows already present\./);
    expect(again.out).toMatch(/Already present: 2 rows, each listed in the report with the pair it matched\./);
    expect(again.out).toMatch(/m\.csv, line 3 \(id c2\): source image: image file not found/);
    const firstImport = /Import (\d+): /.exec(imp.out)![1];
    const present = readFileSync(report, "utf8").split("\n").filter((l) => l.startsWith("already present,"));
    expect(present).toHaveLength(2);
    expect(present[0]).toMatch(new RegExp(`^already present,m\\.csv,2,,,0,c1,already present: the project has a pair with this id from import ${firstImport},\\d+,${firstImport},m\\.csv,2,0$`));
    expect(cli(["import", "--project", "nope", path.join(dir, "m.csv")]).out).toMatch(/No project "nope"/);
    const notParquet = path.join(dir, "bad.parquet");
    writeFileSync(notParquet, "PAR1 but not really");
    const bad = cli(["import", "--project", "CLI project", notParquet]);
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/^Error: .*Parquet/m);
    expect(bad.out).not.toMatch(/at .*\.ts:\d+/);
  });

  it("finishes an import killed with SIGKILL mid-way, with no duplicates and no gaps", async () => {
    expect(cli(["project:add", "--name", "Kill"]).code).toBe(0);
    const n = 30_000;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const f = files[i % files.length]!;
      lines.push(JSON.stringify({ id: `k${i}`, instruction: `edit number ${i}`, source: f.source, edited: f.edited }));
    }
    const manifest = path.join(dir, "kill.jsonl");
    writeFileSync(manifest, lines.join("\n"));
    // Small batches make many checkpoints, so the kill lands between two of them.
    const child = spawn(process.execPath, [...TSX, "import", "--project", "Kill", manifest], {
      env: { ...env(), LOUPE_IMPORT_BATCH_ROWS: "100" },
      stdio: "pipe",
      detached: true, // its own process group: tsx runs the script in a child process, and both must die
    });
    const exited = new Promise<void>((r) => child.on("exit", () => r()));
    const deadline = Date.now() + 120_000;
    let done = 0;
    // The embedded database is locked by the importing process, so progress is read from its output.
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    while (Date.now() < deadline) {
      const m = [...out.matchAll(/([\d,]+) rows ·/g)].pop();
      done = m ? Number(m[1]!.replace(/,/g, "")) : 0;
      if (done >= 500) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    process.kill(-child.pid!, "SIGKILL");
    await exited;
    // The grandchild (tsx's node) dies with the group; wait until it is gone before reopening the database.
    const lockPid = (() => {
      try {
        return Number(readFileSync(path.join(dataDir, "pglite.pid"), "utf8"));
      } catch {
        return 0;
      }
    })();
    for (let i = 0; lockPid && i < 100; i++) {
      try {
        process.kill(lockPid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(n); // killed mid-way, not after the end
    const again = cli(["import", "--project", "Kill", manifest]);
    expect(again.out).toMatch(/Resuming unfinished import/);
    expect(again.code).toBe(0);
    await withDb(async (db) => {
      const project = await db.prisma.project.findUniqueOrThrow({ where: { name: "Kill" } });
      const rows = await db.query<{ n: string; d: string }>(
        "SELECT count(*)::text AS n, count(DISTINCT external_id)::text AS d FROM pairs WHERE project_id = $1",
        [project.id],
      );
      expect(rows[0]).toEqual({ n: String(n), d: String(n) });
      const imp = await db.prisma.import.findFirstOrThrow({ where: { projectId: project.id } });
      expect(imp.status).toBe("done");
      expect(Number(imp.inserted)).toBe(n);
      expect(Number(imp.rowsDone)).toBe(n);
      expect(Number(imp.duplicates)).toBe(0);
      expect(await db.prisma.import.count({ where: { projectId: project.id } })).toBe(1);
    });
  });
});
