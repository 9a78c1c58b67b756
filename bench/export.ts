// npm run bench:export — canonical JSONL export speed and memory against COPY, and what an export costs the
// annotators claiming at the same time. In a fresh database holding BENCH_PAIRS final pairs (two labels
// each) plus BENCH_OPEN_PAIRS open ones:
//   export: `npm run loupe -- export --format canonical --out F` as a user runs it; rows/s = rows ÷ the
//           job's own running time (exports.started_at → finished_at); peak RSS = VmHWM of the process.
//           Median of BENCH_RUNS.
//   copy:   `COPY (<the export's canonical SELECT>) TO STDOUT` of the same rows, drained: the ceiling.
//   claims: BENCH_WORKERS raw-SQL annotators in a closed loop; claims/s before and during the export,
//           whose ratio is claims_during_export_ratio.
// Last line: {"export_rows_per_s","copy_rows_per_s","ratio","peak_rss_mb","claims_during_export_ratio"}.
// Knobs and targets: bench/RESULTS.md.
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { to as copyTo } from "pg-copy-streams";
import { canonicalCopySql } from "../lib/exports/reader";
import { addPairs, createDatabase, dropDatabase, seedBase, vacuumAnalyze, withDatabase } from "./lib/db";
import { addFinalPairs, seedImages } from "./lib/export-seed";
import { importProcess, killRunningCli, runCli } from "./lib/import-proc";
import { RawWorker } from "./lib/raw";
import { round, table } from "./lib/stats";

const env = process.env;
const MAINT_URL = env.BENCH_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";
const PAIRS = Number(env.BENCH_PAIRS ?? 1_000_000);
const OPEN_PAIRS = Number(env.BENCH_OPEN_PAIRS ?? 300_000);
const RUNS = Math.max(1, Number(env.BENCH_RUNS ?? 3));
const WORKERS = Number(env.BENCH_WORKERS ?? 32);
const SECONDS = Number(env.BENCH_SECONDS ?? 15);
const WARMUP_SECONDS = Number(env.BENCH_WARMUP_SECONDS ?? 3);
const KEEP = env.BENCH_KEEP === "1";

const state: { maint?: pg.Client; db?: pg.Client; dbName?: string; dir?: string; clients: pg.Client[]; cleaned: boolean } = {
  clients: [],
  cleaned: false,
};

async function cleanup(): Promise<void> {
  if (state.cleaned) return;
  state.cleaned = true;
  killRunningCli();
  await Promise.all(state.clients.map((c) => c.end().catch(() => {})));
  await state.db?.end().catch(() => {});
  if (state.maint && state.dbName && !KEEP) await dropDatabase(state.maint, state.dbName).catch(() => {});
  await state.maint?.end().catch(() => {});
  if (state.dir) rmSync(state.dir, { recursive: true, force: true });
}
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    console.error(`\n${sig}: cleaning up…`);
    cleanup().finally(() => process.exit(130));
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const r = await fn();
  console.log(`  ${label}: ${round((performance.now() - t) / 1000, 1)} s`);
  return r;
}

/** COPY (canonical SELECT) TO STDOUT, drained; rows counted by newlines. */
async function copyOnce(url: string, projectId: number): Promise<{ rows: number; seconds: number; bytes: number }> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const t0 = performance.now();
    const stream = c.query(copyTo(`COPY (${canonicalCopySql({ projectId, filters: {}, validationFraction: 0.1 })}) TO STDOUT`));
    let bytes = 0;
    let rows = 0;
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows++;
    }
    return { rows, bytes, seconds: (performance.now() - t0) / 1000 };
  } finally {
    await c.end();
  }
}

interface ExportRun {
  rows: number;
  seconds: number;
  rssMb: number;
  bytes: number;
  startedAt: number;
  finishedAt: number;
}

async function exportOnce(url: string, projectId: number, n: number): Promise<ExportRun> {
  const out = path.join(state.dir!, `export-${n}.jsonl`);
  const run = await runCli(["export", "--project", String(projectId), "--format", "canonical", "--out", out], {
    env: { ...env, DATABASE_URL: url, LOUPE_DATA_DIR: path.join(state.dir!, "data"), LOUPE_JOBS: "off" },
  });
  if (run.code !== 0) throw new Error(`export exited with ${run.code}:\n${run.output.slice(-20).join("\n")}`);
  const r = await state.db!.query<{ rows: string; started: Date; finished: Date }>(
    `SELECT rows_done::text AS rows, started_at AS started, finished_at AS finished FROM exports
     WHERE project_id = $1 AND status = 'done' ORDER BY id DESC LIMIT 1`,
    [projectId],
  );
  const row = r.rows[0];
  if (!row) throw new Error("the export finished but no done export row was found");
  const proc = importProcess(run);
  return {
    rows: Number(row.rows),
    seconds: (row.finished.getTime() - row.started.getTime()) / 1000,
    rssMb: (proc?.hwmKb ?? 0) / 1024,
    bytes: statSync(out).size,
    startedAt: row.started.getTime(),
    finishedAt: row.finished.getTime(),
  };
}

/** Raw claimers running until stop(); the wall-clock time of every successful claim is kept. */
async function startClaimers(url: string, users: { id: number }[], projectId: number) {
  const clients = users.map(() => new pg.Client({ connectionString: url }));
  state.clients = clients;
  await Promise.all(clients.map((c) => c.connect()));
  const claims: number[] = [];
  const errors: Record<string, number> = {};
  let stopping = false;
  const loops = clients.map(async (c, i) => {
    const w = new RawWorker(c, users[i]!.id, projectId);
    while (!stopping) {
      const got = await w.claim();
      if (got.kind !== "ok") {
        errors[got.kind === "error" ? got.what : "empty"] = (errors[got.kind === "error" ? got.what : "empty"] ?? 0) + 1;
        if (got.kind === "empty") return;
        continue;
      }
      claims.push(Date.now());
      const s = await w.submit(got.pairId);
      if (s.kind === "error") errors[s.what] = (errors[s.what] ?? 0) + 1;
    }
  });
  return {
    claims,
    errors,
    async stop() {
      stopping = true;
      await Promise.all(loops);
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
      state.clients = [];
    },
  };
}

const countBetween = (xs: number[], a: number, b: number) => xs.filter((t) => t >= a && t < b).length;

async function main(): Promise<void> {
  state.maint = new pg.Client({ connectionString: MAINT_URL });
  await state.maint.connect();
  state.dbName = `loupe_bench_export_${Date.now()}`;
  state.dir = mkdtempSync(path.join(os.tmpdir(), "loupe-bench-export-"));
  await createDatabase(state.maint, state.dbName);
  const url = withDatabase(MAINT_URL, state.dbName);
  console.log(`Database ${state.dbName}; ${PAIRS.toLocaleString("en")} final pairs with 2 labels each + ${OPEN_PAIRS.toLocaleString("en")} open pairs.`);
  state.db = new pg.Client({ connectionString: url });
  await state.db.connect();
  const db = state.db;
  const seeded = await timed("migrate + project + users", () => seedBase(db, Math.max(WORKERS, 2) + 2));
  const labellers = seeded.users.slice(-2).map((u) => u.id) as [number, number];
  const claimers = seeded.users.slice(0, WORKERS);
  await seedImages(db);
  await timed("final pairs + labels", () => addFinalPairs(db, seeded.projectId, 0, PAIRS, labellers));
  await timed("open pairs", () => addPairs(db, seeded.projectId, PAIRS, PAIRS + OPEN_PAIRS));
  await timed("vacuum analyze", () => vacuumAnalyze(db));

  console.log(`\nCOPY (canonical SELECT) TO STDOUT × ${RUNS}`);
  const copies = [];
  for (let i = 0; i < RUNS; i++) {
    const c = await copyOnce(url, seeded.projectId);
    console.log(`  run ${i + 1}: ${c.rows.toLocaleString("en")} rows, ${round(c.bytes / 2 ** 20, 0)} MiB in ${round(c.seconds, 2)} s`);
    copies.push(c);
  }
  if (copies[0]!.rows !== PAIRS) throw new Error(`COPY produced ${copies[0]!.rows} rows, expected ${PAIRS}`);

  console.log(`\nnpm run loupe -- export --format canonical × ${RUNS}`);
  const exports: ExportRun[] = [];
  for (let i = 0; i < RUNS; i++) {
    const e = await exportOnce(url, seeded.projectId, i);
    console.log(`  run ${i + 1}: ${e.rows.toLocaleString("en")} rows, ${round(e.bytes / 2 ** 20, 0)} MiB in ${round(e.seconds, 2)} s, peak RSS ${round(e.rssMb, 0)} MB`);
    if (e.rows !== PAIRS) throw new Error(`the export wrote ${e.rows} rows, expected ${PAIRS}`);
    exports.push(e);
  }

  console.log(`\n${WORKERS} claimers: ${SECONDS} s alone, then during an export`);
  const cl = await startClaimers(url, claimers, seeded.projectId);
  let during: ExportRun;
  let baseStart: number;
  let baseEnd: number;
  try {
    await new Promise((r) => setTimeout(r, WARMUP_SECONDS * 1000));
    baseStart = Date.now();
    await new Promise((r) => setTimeout(r, SECONDS * 1000));
    baseEnd = Date.now();
    during = await exportOnce(url, seeded.projectId, RUNS);
  } finally {
    await cl.stop();
  }
  const baseRate = countBetween(cl.claims, baseStart, baseEnd) / ((baseEnd - baseStart) / 1000);
  const duringRate = countBetween(cl.claims, during.startedAt, during.finishedAt) / during.seconds;
  for (const [what, n] of Object.entries(cl.errors)) console.log(`  claimer error: ${what} × ${n}`);

  const exportRate = median(exports.map((e) => e.rows / e.seconds));
  const copyRate = median(copies.map((c) => c.rows / c.seconds));
  const rss = Math.max(...exports.map((e) => e.rssMb), during.rssMb);
  console.log(
    "\n" +
      table(
        ["measure", "median", "runs"],
        [
          ["export rows/s", round(exportRate, 0), exports.map((e) => round(e.rows / e.seconds, 0)).join(" ")],
          ["COPY rows/s", round(copyRate, 0), copies.map((c) => round(c.rows / c.seconds, 0)).join(" ")],
          ["export ÷ COPY", round(exportRate / copyRate, 3), ""],
          ["peak RSS MB", round(rss, 0), exports.map((e) => round(e.rssMb, 0)).join(" ")],
          ["claims/s alone", round(baseRate, 1), `${SECONDS} s window`],
          ["claims/s during export", round(duringRate, 1), `${round(during.seconds, 1)} s export (${round(during.rows / during.seconds, 0)} rows/s)`],
        ],
      ),
  );
  console.log(
    JSON.stringify({
      export_rows_per_s: round(exportRate, 0),
      copy_rows_per_s: round(copyRate, 0),
      ratio: round(exportRate / copyRate, 3),
      peak_rss_mb: round(rss, 1),
      claims_during_export_ratio: round(duringRate / baseRate, 3),
    }),
  );
}

main()
  .then(cleanup)
  .catch(async (err) => {
    console.error(err);
    await cleanup();
    process.exit(1);
  });
