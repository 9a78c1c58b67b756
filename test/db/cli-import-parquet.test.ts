import { spawn } from "node:child_process";
import pg from "pg";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import sharp from "sharp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase, type Db } from "@/lib/db/connect";
import { createServerDatabase } from "@/test/support/db";
import { writeScaleEditShard } from "@/test/support/parquet-shard";

// A ScaleEdit-like shard in ONE row group (small pages, no page index, some rows without source bytes),
// imported by the CLI with the heap `npm run loupe` gives it: SIGKILLed mid-group, then finished by the same
// command with every row exactly once, while the importing processes' peak resident set (VmHWM) stays within
// a margin of a 20-row import on the same engine. A reader holding the row group or a column chunk would not.

type Target = { engine: "pglite" } | { engine: "postgres" };
const targets: Target[] = [{ engine: "pglite" }, ...(process.env.TEST_DATABASE_URL ? [{ engine: "postgres" as const }] : [])];

const TSX = ["node_modules/tsx/dist/cli.mjs", "--conditions=react-server", "scripts/cli.ts"];
// Enough rows that the import outlasts the CLI's progress interval, so the kill lands mid-group.
const ROWS = 960;
/** Over the small import's peak: several times the batch in flight, well under the shard's image bytes. */
const RSS_MARGIN_MB = 200;
/** The cap for a released shard, whatever the engine (decision 011). */
const RSS_CAP_MB = 1024;
const nullSource = (i: number) => i % 17 === 5;

function treePeakKb(pid: number): number {
  let peak = 0;
  try {
    const hwm = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    peak = hwm ? Number(hwm[1]) : 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const kids = readFileSync(`/proc/${pid}/task/${tid}/children`, "utf8").trim();
      for (const kid of kids ? kids.split(/\s+/).map(Number) : []) peak = Math.max(peak, treePeakKb(kid));
    }
  } catch {
  }
  return peak;
}

describe.each(targets)("loupe import of a single-row-group shard under a memory cap ($engine)", ({ engine }) => {
  const dir = mkdtempSync(path.join(tmpdir(), "loupe-cli-pq-"));
  const dataDir = path.join(dir, "data");
  const shard = path.join(dir, "object_addition_0000.parquet");
  const small = path.join(dir, "object_addition_0001.parquet");
  let databaseUrl = "";
  let dropServer = async () => {};
  let imageBytes = 0;

  const env = () => ({
    ...process.env,
    LOUPE_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    LOUPE_IMAGE_ROOT: "",
    LOUPE_IMPORT_BATCH_ROWS: "16",
    // The heap `npm run loupe` gives the CLI: page buffers live outside it, so RSS is what is capped.
    NODE_OPTIONS: "--max-old-space-size=256 --max-semi-space-size=2",
  });

  /**
   * Rows the import has checkpointed. On a server the test reads the checkpoint itself, every few
   * milliseconds: the CLI prints progress once a second off a terminal, and a fast server can finish all
   * rows between two lines. The embedded database is held by the CLI, so there the printed line is read.
   */
  async function checkpointedRows(client: pg.Client | null, out: string): Promise<number> {
    if (client) {
      const r = await client.query<{ n: string }>("SELECT coalesce(max(rows_done), 0)::text AS n FROM imports WHERE status = 'running'");
      return Number(r.rows[0]!.n);
    }
    const m = [...out.matchAll(/([\d,]+) rows ·/g)].pop();
    return m ? Number(m[1]!.replace(/,/g, "")) : 0;
  }

  /** Runs the CLI; with `killAfterRows`, SIGKILLs its process group once it has checkpointed that many rows. */
  async function run(args: string[], killAfterRows?: number): Promise<{ code: number | null; out: string; peakMb: number; rowsAtKill: number }> {
    const child = spawn(process.execPath, [...TSX, ...args], { env: env(), stdio: "pipe", detached: true });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    let peakKb = 0;
    let rowsAtKill = 0;
    let done = false;
    void exited.then(() => (done = true));
    const client = killAfterRows !== undefined && databaseUrl ? new pg.Client({ connectionString: databaseUrl }) : null;
    await client?.connect();
    const deadline = Date.now() + 300_000;
    try {
      while (!done && Date.now() < deadline) {
        peakKb = Math.max(peakKb, treePeakKb(child.pid!));
        if (killAfterRows !== undefined) {
          const rows = await checkpointedRows(client, out);
          if (rows >= killAfterRows) {
            rowsAtKill = rows;
            process.kill(-child.pid!, "SIGKILL");
            break;
          }
        }
        await new Promise((r) => setTimeout(r, client ? 5 : 50));
      }
    } finally {
      await client?.end();
    }
    if (!done && rowsAtKill === 0) process.kill(-child.pid!, "SIGKILL");
    const code = await exited;
    return { code, out, peakMb: peakKb / 1024, rowsAtKill };
  }

  async function waitForLockRelease() {
    let pid = 0;
    try {
      pid = Number(readFileSync(path.join(dataDir, "pglite.pid"), "utf8"));
    } catch {
      return;
    }
    for (let i = 0; pid && i < 100; i++) {
      try {
        process.kill(pid, 0);
      } catch {
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

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
      const server = await createServerDatabase("loupe_t_clipq");
      databaseUrl = server.url;
      dropServer = server.drop;
    }
    // Noise JPEGs: distinct bytes, few enough for the content store to dedupe, so the test spends its time reading.
    const pool: Uint8Array[] = [];
    const side = 512;
    for (let k = 0; k < 6; k++) {
      const raw = Buffer.alloc(side * side * 3);
      let x = 12345 + k * 7919;
      for (let i = 0; i < raw.length; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        raw[i] = (x >>> 16) & 0xff;
      }
      pool.push(new Uint8Array(await sharp(raw, { raw: { width: side, height: side, channels: 3 } }).jpeg({ quality: 80 }).toBuffer()));
    }
    ({ imageBytes } = await writeScaleEditShard(shard, { rows: ROWS, pool, nullSource }));
    await writeScaleEditShard(small, { rows: 20, pool, nullSource, firstId: 1_000_000 });
  });

  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await dropServer();
  });

  it("is killed mid-group, resumes, imports every row exactly once, and stays under the memory cap", async () => {
    expect(imageBytes).toBeGreaterThan(1.2 * RSS_MARGIN_MB * 1024 * 1024);
    expect(statSync(shard).size).toBeGreaterThan(240 * 1024 * 1024);
    expect((await run(["project:add", "--name", "Shard"])).code).toBe(0);
    expect((await run(["project:add", "--name", "Small"])).code).toBe(0);
    // Reports go to the temp folder: by default the CLI writes them to the working directory.
    const report = ["--report", path.join(dir, "report.csv")];
    const baseline = await run(["import", "--project", "Small", "--preset", "scaleedit", ...report, small]);
    expect(baseline.out).toMatch(/Imported 20 rows: 19 inserted, 0 already present, 1 invalid\./);
    await waitForLockRelease();

    const first = await run(["import", "--project", "Shard", "--preset", "scaleedit", ...report, shard], 160);
    expect(first.rowsAtKill).toBeGreaterThanOrEqual(160);
    expect(first.rowsAtKill).toBeLessThan(ROWS);
    await waitForLockRelease();

    const again = await run(["import", "--project", "Shard", "--preset", "scaleedit", ...report, shard]);
    expect(again.out).toMatch(/Resuming unfinished import/);
    expect(again.code).toBe(0);

    const nulls = Array.from({ length: ROWS }, (_, i) => i).filter(nullSource).length;
    await withDb(async (db) => {
      const project = await db.prisma.project.findUniqueOrThrow({ where: { name: "Shard" } });
      const rows = await db.query<{ n: string; d: string; lo: string; hi: string }>(
        `SELECT count(*)::text AS n, count(DISTINCT external_id)::text AS d,
                min(split_part(external_id, ':', 2)::bigint)::text AS lo, max(split_part(external_id, ':', 2)::bigint)::text AS hi
           FROM pairs WHERE project_id = $1`,
        [project.id],
      );
      expect(rows[0]).toEqual({ n: String(ROWS - nulls), d: String(ROWS - nulls), lo: "0", hi: String(ROWS - 1) });
      const imp = await db.prisma.import.findFirstOrThrow({ where: { projectId: project.id } });
      expect(imp.status).toBe("done");
      expect(Number(imp.rowsDone)).toBe(ROWS);
      expect(Number(imp.inserted)).toBe(ROWS - nulls);
      expect(Number(imp.invalid)).toBe(nulls);
      expect(Number(imp.duplicates)).toBe(0);
      expect(await db.prisma.importError.count({ where: { importId: imp.id } })).toBe(nulls);
    });

    // A memory bound, not a speed figure.
    expect(baseline.peakMb).toBeGreaterThan(0);
    for (const r of [first, again]) {
      expect(r.peakMb).toBeLessThan(baseline.peakMb + RSS_MARGIN_MB);
      expect(r.peakMb).toBeLessThan(RSS_CAP_MB);
    }
  });
});
