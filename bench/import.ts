// npm run bench:import — throughput and memory of `loupe import`, the row path and the image path.
//
// Against a fresh database on the server, the CLI exactly as an admin runs it (creating the job, running
// the pg-boss worker in-process, exiting when done), timed from spawn to exit:
//   manifest: a JSONL manifest whose rows reference by path a small pool of image pairs (row i uses pair
//             i % pool), so once the pool is met this measures the ROW path (parse, map, dedupe probe,
//             bulk insert, checkpoint); "after the first batch" leaves out the pool's one-off cost;
//   COPY:     the same rows as TSV loaded with COPY FROM STDIN into a bare table right after: the ceiling
//             any row loader could reach here; ratio = manifest rows/s ÷ COPY rows/s;
//   INSERT … SELECT: the same rows copied by one plain statement from the imported project into a new one
//             in `pairs` (its indexes and triggers); ratio = manifest rows/s ÷ INSERT … SELECT rows/s;
//   parquet:  a ScaleEdit-layout shard with distinct BENCH_PARQUET_SIZE² JPEGs in every row (--preset
//             scaleedit): the IMAGE path per pair (hash, full decode, store; previews and change maps are
//             left to the derivative workers, decision 015, and checked to be pending);
//   ceiling:  in this process, no database: sha256 plus a full decode of both images of the first
//             BENCH_CEILING_PAIRS pairs on the image pool (every core); ratio = Parquet pairs/s ÷ ceiling;
//   giant:    a ScaleEdit shard as released: ONE row group whose image columns exceed what a Node Buffer
//             holds (BENCH_GIANT_GIB), small pages, no page index, pages v1, some rows without source
//             bytes; its images are a repeated pool (BENCH_GIANT_POOL), so it measures streaming the group.
// Peak RSS is VmHWM of the process running the import (tsx's node child), sampled from /proc. Inputs are
// generated before anything is timed; pairs and images are emptied before each timed import.
//
// Last line: {"manifest_rows_per_s", "copy_rows_per_s", "ratio", "insert_select_rows_per_s", "insert_select_ratio",
// "peak_rss_mb", "parquet_pairs_per_s", "ceiling_pairs_per_s", "parquet_ratio",
// "giant_file_mb", "giant_pairs_per_s", "giant_seconds", "giant_peak_rss_mb"} (null for a phase not run).
// Knobs and targets: bench/RESULTS.md; also BENCH_IMPORT_ONLY (phases among manifest, parquet, giant),
// BENCH_GIANT_GIB, BENCH_GIANT_POOL and BENCH_GIANT_PAGES (1 or 2). The giant shard needs about twice its
// size free under BENCH_TMPDIR while written. The CLI inherits this environment (LOUPE_IMPORT_BATCH_ROWS …)
// but for its database and folders, which are removed at exit, also on failure or Ctrl-C.
import { createReadStream, rmSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { pipeline } from "node:stream/promises";
import pg from "pg";
import { from as copyFrom } from "pg-copy-streams";
import { createDatabase, dropDatabase, withDatabase } from "./lib/db";
import { parquetMetadataAsync } from "hyparquet";
import { asyncBufferFromFile } from "../lib/imports/readers/parquet";
import { writeGiantShard, writeImagePool, writeManifest, writeScaleEditParquet } from "./lib/import-data";
import { importProcess, killRunningCli, runCli, type CliRun } from "./lib/import-proc";
import { round, table } from "./lib/stats";
import { checkImage, closeImagePool, imagePoolSize } from "../lib/images/pool";

const env = process.env;
const MAINT_URL = env.BENCH_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";
const ROWS = Number(env.BENCH_IMPORT_ROWS ?? 1_000_000);
const IMAGES = Number(env.BENCH_IMPORT_IMAGES ?? 1000);
const PARQUET_PAIRS = Number(env.BENCH_PARQUET_PAIRS ?? 1000);
const PARQUET_SIZE = Number(env.BENCH_PARQUET_SIZE ?? 1024);
const CEILING_PAIRS = Number(env.BENCH_CEILING_PAIRS ?? 300);
const TARGET_PARQUET_RATIO = 0.5;
const TARGET_INSERT_SELECT_RATIO = 0.5;
const PARQUET_GROUP = Number(env.BENCH_PARQUET_GROUP ?? 200);
const REPEATS = Number(env.BENCH_REPEATS ?? 1);
const TMP = env.BENCH_TMPDIR || os.tmpdir();
// Extra node flags for the CLI's node process (passed through tsx), e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
const CLI_NODE_ARGS = (env.BENCH_CLI_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
const GEN_CONCURRENCY = Math.max(2, os.cpus().length * 2);
const PHASES = new Set((env.BENCH_IMPORT_ONLY || "manifest,parquet,giant").split(",").map((x) => x.trim()).filter(Boolean));
const GIANT_GIB = Number(env.BENCH_GIANT_GIB ?? 4.5);
const GIANT_POOL = Number(env.BENCH_GIANT_POOL ?? 16);
const GIANT_PAGES = Number(env.BENCH_GIANT_PAGES ?? 1);
const TARGET_GIANT_RSS_MB = 1024;

const TARGET_ROWS_PER_S = 50_000;
const TARGET_RATIO = 0.2;
const TARGET_RSS_MB = 400;

const MANIFEST_MAP = "externalId=id,instruction=instruction,source=source,edited=edited,task=task,subtask=subtask";

const state: { maint?: pg.Client; db?: pg.Client; dbName?: string; dir?: string } = {};

let cleaning: Promise<void> | undefined;

/** Stops the CLI, drops the database, removes the temp folder — once: a second signal waits for the first cleanup. */
function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    killRunningCli();
    await state.db?.end().catch(() => {});
    if (state.maint && state.dbName) {
      await dropDatabase(state.maint, state.dbName).catch((e) => console.error(`could not drop database ${state.dbName}: ${(e as Error).message}`));
    }
    await state.maint?.end().catch(() => {});
    if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  })();
  return cleaning;
}

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    console.error(`\n${sig}: stopping the import and dropping ${state.dbName ?? "the bench database"}…`);
    cleanup().finally(() => process.exit(130));
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString("en");
const mb = (bytes: number) => round(bytes / 1024 / 1024, 1);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const r = await fn();
  console.log(`  ${label}: ${round((performance.now() - t) / 1000, 1)} s`);
  return r;
}

class BenchFailure extends Error {}

function check(ok: boolean, what: string): void {
  if (!ok) throw new BenchFailure(`verification failed: ${what}`);
}

interface ImportFigures {
  seconds: number;
  perSecond: number;
  dbSeconds: number;
  dbPerSecond: number;
  /** Rows/s between the first and the last committed batch (NaN with a single batch). */
  steadyPerSecond: number;
  /** From the import row's appearance to the first committed batch. */
  firstBatchSeconds: number;
  importHwmMb: number;
  wrapperHwmMb: number;
}

function cliEnv(dataDir: string): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...env, DATABASE_URL: withDatabase(MAINT_URL, state.dbName!), LOUPE_DATA_DIR: dataDir, LOUPE_JOBS: "on" };
  delete e.LOUPE_IMAGE_ROOT;
  delete e.LOUPE_IMPORT_ROOT;
  return e;
}

/** Echoes the CLI's output with the seconds since spawn; progress bars at most every 5 s. */
function echoer(): (line: string) => void {
  const t0 = performance.now();
  let lastBar = -Infinity;
  return (line) => {
    const t = (performance.now() - t0) / 1000;
    if (line.startsWith("[") && !line.includes("100.0%") && t - lastBar < 5) return;
    if (line.startsWith("[")) lastBar = t;
    console.log(`    | ${t.toFixed(1).padStart(6)} s  ${line}`);
  };
}

async function cli(args: string[], dataDir: string, echo = false): Promise<CliRun> {
  const run = await runCli(args, { env: cliEnv(dataDir), nodeArgs: CLI_NODE_ARGS, echo: echo ? echoer() : undefined });
  if (run.code !== 0) {
    if (!echo) for (const l of run.output) console.log(`    | ${l}`);
    throw new BenchFailure(`loupe ${args[0]} exited with ${run.code}`);
  }
  return run;
}

async function addProject(name: string, dataDir: string): Promise<number> {
  await cli(["project:add", "--name", name], dataDir);
  const r = await state.db!.query<{ id: number }>("SELECT id FROM projects WHERE name = $1", [name]);
  check(r.rows.length === 1, `project ${name} was created`);
  return r.rows[0]!.id;
}

async function resetForRun(dataDir: string): Promise<void> {
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  await state.db!.query("TRUNCATE pairs, project_counts, images CASCADE");
  await state.db!.query("VACUUM ANALYZE pairs, images, project_counts, imports");
  await state.db!.query("CHECKPOINT").catch(() => {}); // needs superuser or pg_checkpoint; optional
}

async function timedImport(
  label: string,
  projectId: number,
  expected: number,
  args: string[],
  dataDir: string,
  invalid = 0,
): Promise<ImportFigures> {
  const inserted = expected - invalid;
  console.log(`  ${label}: loupe import ${args.join(" ")}`);
  // Progress as the job commits it, for the rate after the first batch (which, in the manifest,
  // resolves the whole image pool) — the row path without the one-off image work.
  const progress: { t: number; rows: number }[] = [];
  let polling = true;
  const poll = (async () => {
    while (polling) {
      const r = await state.db!.query<{ n: string }>("SELECT rows_done::text AS n FROM imports WHERE project_id = $1", [projectId]).catch(() => null);
      if (r?.rows[0]) progress.push({ t: performance.now(), rows: Number(r.rows[0].n) });
      await new Promise((res) => setTimeout(res, 250));
    }
  })();
  const run = await cli(["import", "--project", String(projectId), ...args], dataDir, true).finally(() => {
    polling = false;
  });
  await poll;
  const imp = await state.db!.query<{ status: string; rows_done: string; inserted: string; duplicates: string; invalid: string; secs: number; message: string | null }>(
    `SELECT status::text, rows_done::text, inserted::text, duplicates::text, invalid::text,
            EXTRACT(EPOCH FROM finished_at - started_at)::float8 AS secs, message
       FROM imports WHERE project_id = $1 ORDER BY id DESC LIMIT 1`,
    [projectId],
  );
  const i = imp.rows[0];
  check(i !== undefined, `an import row exists for project ${projectId}`);
  check(i!.status === "done", `imports.status is "${i!.status}", expected "done" (${i!.message ?? ""})`);
  check(Number(i!.rows_done) === expected, `imports.rows_done ${i!.rows_done} == ${expected}`);
  check(Number(i!.inserted) === inserted, `imports.inserted ${i!.inserted} == ${inserted} (present ${i!.duplicates}, invalid ${i!.invalid})`);
  check(Number(i!.invalid) === invalid, `imports.invalid ${i!.invalid} == ${invalid}`);
  const pairs = await state.db!.query<{ n: string; pending: string; task: string }>(
    `SELECT count(*)::text AS n, count(d.pair_id)::text AS pending, count(task)::text AS task
       FROM pairs p LEFT JOIN pair_derivatives d ON d.pair_id = p.id WHERE project_id = $1`,
    [projectId],
  );
  const p = pairs.rows[0]!;
  check(Number(p.n) === inserted, `pairs in the project ${p.n} == ${inserted}`);
  // Previews and change maps are the derivative workers' (decision 015): every pair waits for them.
  check(Number(p.pending) === inserted, `pairs waiting for their derivatives ${p.pending} == ${inserted}`);
  check(Number(p.task) === inserted, `pairs with a task ${p.task} == ${inserted}`);

  const first = progress.find((x) => x.rows > 0);
  const last = progress.find((x) => x.rows === expected);
  const steady = first && last && last.rows > first.rows ? (last.rows - first.rows) / ((last.t - first.t) / 1000) : NaN;
  const proc = importProcess(run);
  const root = run.procs.find((x) => x.depth === 0);
  const f: ImportFigures = {
    seconds: run.seconds,
    perSecond: expected / run.seconds,
    dbSeconds: i!.secs,
    dbPerSecond: expected / i!.secs,
    steadyPerSecond: steady,
    firstBatchSeconds: first ? (first.t - (progress[0]?.t ?? first.t)) / 1000 : NaN,
    importHwmMb: (proc?.hwmKb ?? NaN) / 1024,
    wrapperHwmMb: root && root !== proc ? root.hwmKb / 1024 : NaN,
  };
  console.log(
    `  ${label}: ${fmt(expected)} rows in ${round(f.seconds, 2)} s end to end = ${fmt(f.perSecond)} rows/s; ` +
      `job itself ${round(f.dbSeconds, 2)} s = ${fmt(f.dbPerSecond)} rows/s; verified (done, ${fmt(inserted)} inserted, ${fmt(invalid)} invalid, derivatives pending)`,
  );
  console.log(
    `  ${label}: first batch committed ≈ ${round(f.firstBatchSeconds, 1)} s after the job was created; ` +
      (Number.isFinite(steady) ? `after it, ${fmt(steady)} rows/s (batches after the first)` : "one batch only, no steady rate"),
  );
  console.log(
    `  ${label}: peak RSS ${round(f.importHwmMb, 1)} MB in pid ${proc?.pid} (${(proc?.cmd ?? "?").slice(0, 90)}…)` +
      (Number.isFinite(f.wrapperHwmMb) ? `; tsx wrapper pid ${root!.pid} ${round(f.wrapperHwmMb, 1)} MB` : ""),
  );
  return f;
}

async function copyCeiling(tsvFile: string): Promise<number> {
  const db = state.db!;
  await db.query("TRUNCATE bench_copy");
  await db.query("CHECKPOINT").catch(() => {});
  const t = performance.now();
  const stream = db.query(copyFrom("COPY bench_copy (external_id, instruction, source, edited, task, subtask) FROM STDIN"));
  await pipeline(createReadStream(tsvFile, { highWaterMark: 1 << 20 }), stream);
  const seconds = (performance.now() - t) / 1000;
  const n = await db.query<{ n: string }>("SELECT count(*)::text AS n FROM bench_copy");
  check(Number(n.rows[0]!.n) === ROWS, `COPY loaded ${n.rows[0]!.n} rows, expected ${ROWS}`);
  console.log(`  COPY FROM STDIN: ${fmt(ROWS)} rows in ${round(seconds, 2)} s = ${fmt(ROWS / seconds)} rows/s`);
  return ROWS / seconds;
}

/**
 * The same rows as the manifest import inserted, copied by one plain INSERT … SELECT into a new project:
 * what `pairs` itself takes (indexes, foreign keys, triggers) with no reading, mapping or checkpoint.
 */
async function insertSelectCeiling(fromProject: number, dataDir: string, run: number): Promise<number> {
  const db = state.db!;
  const to = await addProject(`bench-insert-select-${run}`, dataDir);
  await db.query("VACUUM ANALYZE pairs").catch(() => {});
  await db.query("CHECKPOINT").catch(() => {});
  const t = performance.now();
  const r = await db.query(
    `INSERT INTO pairs (project_id, external_id, source_image, edited_image, instruction, task, subtask, wanted)
     SELECT $2, external_id, source_image, edited_image, instruction, task, subtask, wanted FROM pairs WHERE project_id = $1`,
    [fromProject, to],
  );
  const seconds = (performance.now() - t) / 1000;
  check(r.rowCount === ROWS, `INSERT … SELECT copied ${r.rowCount} rows, expected ${ROWS}`);
  console.log(`  INSERT … SELECT into pairs: ${fmt(ROWS)} rows in ${round(seconds, 2)} s = ${fmt(ROWS / seconds)} rows/s`);
  return ROWS / seconds;
}

/** sha256 plus a full decode of both images of each pair, on the image pool (every core), no database. */
async function imageCeiling(pairs: { source: Buffer; edited: Buffer }[]): Promise<number> {
  await closeImagePool(); // fresh threads: nothing remembered from an earlier run
  const inFlight = imagePoolSize() * 4;
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < pairs.length) {
        const p = pairs[next++]!;
        await Promise.all([checkImage(p.source), checkImage(p.edited)]);
      }
    }),
  );
  const seconds = (performance.now() - t) / 1000;
  await closeImagePool();
  console.log(`  ceiling: sha256 + full decode of ${fmt(pairs.length)} pairs on ${imagePoolSize()} threads in ${round(seconds, 2)} s = ${round(pairs.length / seconds, 1)} pairs/s`);
  return pairs.length / seconds;
}

interface GiantFigures extends ImportFigures {
  rows: number;
  fileBytes: number;
  imageBytes: number;
  generateSeconds: number;
}

/** The giant shard: generated, checked to be one row group over 4 GiB of images, imported, deleted. */
async function giantRun(genDir: string, dataDir: string): Promise<GiantFigures> {
  const file = path.join(genDir, "object_addition_0000.parquet");
  const t = performance.now();
  const shard = await timed(`giant shard: ONE row group over ${GIANT_GIB} GiB of images, data pages v${GIANT_PAGES}`, () =>
    writeGiantShard(file, { imageBytes: GIANT_GIB * 1024 ** 3, poolSize: GIANT_POOL, pageVersion: GIANT_PAGES === 2 ? 2 : 1 }),
  );
  const generateSeconds = (performance.now() - t) / 1000;
  const fileBytes = (await stat(file)).size;
  const buffer = await asyncBufferFromFile(file);
  const meta = await parquetMetadataAsync(buffer).finally(() => buffer.close());
  check(meta.row_groups.length === 1, `the giant shard has one row group (has ${meta.row_groups.length})`);
  const imageChunks = meta.row_groups[0]!.columns.filter((c) => /_image$/.test(c.meta_data!.path_in_schema.join(".")));
  const chunkBytes = imageChunks.reduce((sum, c) => sum + Number(c.meta_data!.total_compressed_size), 0);
  check(shard.imageBytes > GIANT_GIB * 1024 ** 3, `its rows carry ${mb(shard.imageBytes)} MB of images, more than ${GIANT_GIB} GiB`);
  // The point of the run: more bytes in the row group than a Node Buffer (4 GiB) can hold.
  if (GIANT_GIB >= 4.2) check(chunkBytes > 4 * 1024 ** 3, `its image column chunks hold ${mb(chunkBytes)} MB, more than 4 GiB`);
  check(imageChunks.every((c) => c.offset_index_offset === undefined), "it has no page index");
  console.log(
    `    ${fmt(shard.rows)} rows, ${mb(fileBytes)} MB file, image column chunks ${mb(chunkBytes)} MB in one row group ` +
      `(${mb(shard.imageBytes)} MB of JPEG bytes, ${fmt(shard.nullSources)} rows without source bytes), no page index`,
  );
  await timed("reset pairs/images + VACUUM + CHECKPOINT", () => resetForRun(dataDir));
  const projectId = await timed("project:add bench-giant", () => addProject("bench-giant", dataDir));
  try {
    const f = await timedImport("giant", projectId, shard.rows, ["--preset", "scaleedit", "--report", path.join(genDir, "giant-report.csv"), file], dataDir, shard.nullSources);
    return { ...f, rows: shard.rows, fileBytes, imageBytes: shard.imageBytes, generateSeconds };
  } finally {
    await rm(file, { force: true });
  }
}

async function main(): Promise<void> {
  const started = performance.now();
  for (const [k, v] of Object.entries({ BENCH_IMPORT_ROWS: ROWS, BENCH_IMPORT_IMAGES: IMAGES, BENCH_REPEATS: REPEATS, BENCH_PARQUET_GROUP: PARQUET_GROUP, BENCH_GIANT_POOL: GIANT_POOL, BENCH_PARQUET_SIZE: PARQUET_SIZE, BENCH_CEILING_PAIRS: CEILING_PAIRS })) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${k} must be a positive integer`);
  }
  if (!Number.isInteger(PARQUET_PAIRS) || PARQUET_PAIRS < 0) throw new Error("BENCH_PARQUET_PAIRS must be an integer ≥ 0");
  if (!(GIANT_GIB > 0)) throw new Error("BENCH_GIANT_GIB must be a positive number");
  const unknown = [...PHASES].filter((p) => !["manifest", "parquet", "giant"].includes(p));
  if (unknown.length > 0 || PHASES.size === 0) throw new Error(`BENCH_IMPORT_ONLY takes manifest, parquet and/or giant (got ${unknown.join(", ")})`);
  const doManifest = PHASES.has("manifest");
  const doParquet = PHASES.has("parquet") && PARQUET_PAIRS > 0;
  const doGiant = PHASES.has("giant");
  console.log(
    `bench:import — phases: ${[...PHASES].join(", ")}; manifest ${fmt(ROWS)} rows over a pool of ${fmt(IMAGES)} distinct image pairs, ` +
      `Parquet ${fmt(PARQUET_PAIRS)} pairs of ${PARQUET_SIZE}² JPEGs (row groups of ${PARQUET_GROUP}), giant shard over ${GIANT_GIB} GiB in one row group; ` +
      `${REPEATS} run(s) each (giant once), ${os.cpus().length} CPUs`,
  );
  console.log(
    `  The manifest references only ${fmt(IMAGES)} distinct images, so its figure measures the ROW path (parse, map, dedupe probe,\n` +
      `  bulk insert, checkpoint) with image resolution mostly cache hits; the Parquet figure measures the IMAGE path\n` +
      `  (hash, store, preview, change map) per pair; the giant figure measures streaming one huge row group page by page.`,
  );

  state.dbName = `loupe_bench_import_${Date.now()}`;
  state.dir = await mkdtemp(path.join(TMP, `${state.dbName}-`));
  const genDir = path.join(state.dir, "gen");
  const dataDir = path.join(state.dir, "data");
  await mkdir(genDir, { recursive: true });
  console.log(`Temp folder ${state.dir} (inputs + LOUPE_DATA_DIR; removed at exit).`);

  console.log("\nGenerating inputs (untimed):");
  const manifest = path.join(genDir, "manifest.jsonl");
  const tsv = path.join(genDir, "rows.tsv");
  if (doManifest) {
    const { pool, bytes } = await timed(`image pool: ${fmt(IMAGES)} pairs of 256×256 PNG source + JPEG edited`, () => writeImagePool(genDir, IMAGES, GEN_CONCURRENCY));
    console.log(`    ${mb(bytes)} MB of images`);
    await timed(`manifest.jsonl + rows.tsv: ${fmt(ROWS)} rows`, () => writeManifest(manifest, tsv, ROWS, pool));
    console.log(`    manifest ${mb((await stat(manifest)).size)} MB, TSV ${mb((await stat(tsv)).size)} MB`);
  }
  const parquet = path.join(genDir, "scaleedit.parquet");
  const ceilingPairs: { source: Buffer; edited: Buffer }[] = [];
  if (doParquet) {
    const { imageBytes } = await timed(`scaleedit.parquet: ${fmt(PARQUET_PAIRS)} pairs of distinct ${PARQUET_SIZE}×${PARQUET_SIZE} JPEGs`, () =>
      writeScaleEditParquet(parquet, PARQUET_PAIRS, PARQUET_GROUP, GEN_CONCURRENCY, {
        size: PARQUET_SIZE,
        keep: (source, edited) => ceilingPairs.push({ source, edited }) < CEILING_PAIRS,
      }),
    );
    console.log(`    ${mb((await stat(parquet)).size)} MB file, ${round(imageBytes / PARQUET_PAIRS / 2 / 1024, 1)} KB per image on average`);
  }
  if (doGiant) console.log("  giant shard: generated right before its run, deleted right after it");

  state.maint = new pg.Client({ connectionString: MAINT_URL });
  await state.maint.connect();
  await createDatabase(state.maint, state.dbName);
  console.log(`\nDatabase ${state.dbName} created (dropped at exit).`);
  state.db = new pg.Client({ connectionString: withDatabase(MAINT_URL, state.dbName) });
  await state.db.connect();
  await timed("loupe db:migrate", () => cli(["db:migrate"], dataDir));

  const manifestRuns: ImportFigures[] = [];
  const copyRuns: number[] = [];
  const insertSelectRuns: number[] = [];
  const parquetRuns: ImportFigures[] = [];
  const ceilingRuns: number[] = [];
  if (doManifest) {
    await state.db.query(`CREATE TABLE bench_copy (external_id text, instruction text, source text, edited text, task text, subtask text)`);
    for (let r = 1; r <= REPEATS; r++) {
      console.log(`\n== manifest run ${r}/${REPEATS} ==`);
      await timed("reset pairs/images + VACUUM + CHECKPOINT", () => resetForRun(dataDir));
      const projectId = await timed(`project:add bench-manifest-${r}`, () => addProject(`bench-manifest-${r}`, dataDir));
      manifestRuns.push(await timedImport("manifest", projectId, ROWS, ["--map", MANIFEST_MAP, "--image-root", genDir, manifest], dataDir));
      copyRuns.push(await copyCeiling(tsv));
      insertSelectRuns.push(await insertSelectCeiling(projectId, dataDir, r));
    }
    await state.db.query("DROP TABLE bench_copy");
  }
  for (let r = 1; r <= REPEATS && doParquet; r++) {
    console.log(`\n== Parquet run ${r}/${REPEATS} ==`);
    await timed("reset pairs/images + VACUUM + CHECKPOINT", () => resetForRun(dataDir));
    const projectId = await timed(`project:add bench-parquet-${r}`, () => addProject(`bench-parquet-${r}`, dataDir));
    parquetRuns.push(await timedImport("parquet", projectId, PARQUET_PAIRS, ["--preset", "scaleedit", parquet], dataDir));
    ceilingRuns.push(await imageCeiling(ceilingPairs));
  }
  let giant: GiantFigures | undefined;
  if (doGiant) {
    console.log(`\n== giant shard run ==`);
    giant = await giantRun(genDir, dataDir);
  }

  const manifestRate = median(manifestRuns.map((f) => f.perSecond));
  const copyRate = median(copyRuns);
  const ratio = manifestRate / copyRate;
  const parquetRate = median(parquetRuns.map((f) => f.perSecond));
  const insertSelectRate = median(insertSelectRuns);
  const insertSelectRatio = manifestRate / insertSelectRate;
  const ceilingRate = median(ceilingRuns);
  const parquetRatio = parquetRate / ceilingRate;
  const peakRss = Math.max(...manifestRuns.map((f) => f.importHwmMb), ...parquetRuns.map((f) => f.importHwmMb));
  const list = (xs: number[], d = 0) => xs.map((x) => (d ? round(x, d) : fmt(x))).join(", ");
  const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");

  console.log(`\nResults (median of ${REPEATS} run(s); end to end = spawn of the CLI to its exit):`);
  console.log(
    table(
      ["figure", "median", "runs", "target", "verdict"],
      [
        ...(manifestRuns.length
          ? [
              ["manifest rows/s, end to end", fmt(manifestRate), list(manifestRuns.map((f) => f.perSecond)), `≥ ${fmt(TARGET_ROWS_PER_S)}`, verdict(manifestRate >= TARGET_ROWS_PER_S)],
              ["manifest rows/s, job only (imports table)", fmt(median(manifestRuns.map((f) => f.dbPerSecond))), list(manifestRuns.map((f) => f.dbPerSecond)), "", ""],
              ["manifest rows/s, after the first batch", fmt(median(manifestRuns.map((f) => f.steadyPerSecond))), list(manifestRuns.map((f) => f.steadyPerSecond)), "", ""],
              ["manifest seconds, end to end", round(median(manifestRuns.map((f) => f.seconds)), 2), list(manifestRuns.map((f) => f.seconds), 2), "", ""],
              ["COPY FROM STDIN rows/s (ceiling)", fmt(copyRate), list(copyRuns), "", ""],
              ["ratio manifest ÷ COPY", round(ratio, 3), list(manifestRuns.map((f, i) => f.perSecond / copyRuns[i]!), 3), `≥ ${TARGET_RATIO}`, verdict(ratio >= TARGET_RATIO)],
              ["INSERT … SELECT into pairs rows/s", fmt(insertSelectRate), list(insertSelectRuns), "", ""],
              ["ratio manifest ÷ INSERT … SELECT", round(insertSelectRatio, 3), list(manifestRuns.map((f, i) => f.perSecond / insertSelectRuns[i]!), 3), `≥ ${TARGET_INSERT_SELECT_RATIO}`, verdict(insertSelectRatio >= TARGET_INSERT_SELECT_RATIO)],
              ["peak RSS MB, manifest import", round(Math.max(...manifestRuns.map((f) => f.importHwmMb)), 1), list(manifestRuns.map((f) => f.importHwmMb), 1), "", ""],
            ]
          : []),
        ...(parquetRuns.length
          ? [
              ["parquet pairs/s, end to end", round(parquetRate, 1), list(parquetRuns.map((f) => f.perSecond), 1), "", ""],
              ["parquet pairs/s, job only (imports table)", round(median(parquetRuns.map((f) => f.dbPerSecond)), 1), list(parquetRuns.map((f) => f.dbPerSecond), 1), "", ""],
              [`ceiling pairs/s (sha256 + decode, ${imagePoolSize()} threads)`, round(ceilingRate, 1), list(ceilingRuns, 1), "", ""],
              ["ratio parquet ÷ ceiling", round(parquetRatio, 3), list(parquetRuns.map((f, i) => f.perSecond / ceilingRuns[i]!), 3), `≥ ${TARGET_PARQUET_RATIO}`, verdict(parquetRatio >= TARGET_PARQUET_RATIO)],
              ["peak RSS MB, Parquet import", round(Math.max(...parquetRuns.map((f) => f.importHwmMb)), 1), list(parquetRuns.map((f) => f.importHwmMb), 1), "", ""],
            ]
          : []),
        ...(manifestRuns.length || parquetRuns.length ? [["peak RSS MB (max of the above)", round(peakRss, 1), "", `≤ ${TARGET_RSS_MB}`, verdict(peakRss <= TARGET_RSS_MB)]] : []),
        ...(giant
          ? [
              ["giant shard: file MB (one row group)", round(giant.fileBytes / 1024 / 1024, 0), "", "", ""],
              ["giant shard: rows", fmt(giant.rows), "", "", ""],
              ["giant pairs/s, end to end", round(giant.perSecond, 1), "", "", ""],
              ["giant pairs/s, job only (imports table)", round(giant.dbPerSecond, 1), "", "", ""],
              ["giant MB/s of file read, end to end", round(giant.fileBytes / 1024 / 1024 / giant.seconds, 1), "", "", ""],
              ["giant import seconds, end to end", round(giant.seconds, 1), "", "", ""],
              ["giant generation seconds (untimed above)", round(giant.generateSeconds, 1), "", "", ""],
              ["peak RSS MB, giant import", round(giant.importHwmMb, 1), "", `≤ ${TARGET_GIANT_RSS_MB}`, verdict(giant.importHwmMb <= TARGET_GIANT_RSS_MB)],
            ]
          : []),
      ],
    ),
  );
  console.log(
    `  manifest: ${fmt(ROWS)} rows over a pool of ${fmt(IMAGES)} distinct image pairs — the row path, images mostly cache hits;\n` +
      `  Parquet: ${fmt(PARQUET_PAIRS)} pairs, each with its own two ${PARQUET_SIZE}×${PARQUET_SIZE} JPEGs — the image path per pair;\n` +
      `  giant: one row group over ${GIANT_GIB} GiB of images from a pool of ${GIANT_POOL} JPEGs — streaming the row group.\n` +
      `  Peak RSS is VmHWM of the node process running the import (not the tsx wrapper), sampled every 200 ms.\n` +
      `  Whole bench: ${round((performance.now() - started) / 1000, 1)} s.`,
  );

  await cleanup();
  const num = (n: number, d: number) => (Number.isFinite(n) ? round(n, d) : null);
  console.log(
    JSON.stringify({
      manifest_rows_per_s: num(manifestRate, 0),
      copy_rows_per_s: num(copyRate, 0),
      ratio: num(ratio, 3),
      insert_select_rows_per_s: num(insertSelectRate, 0),
      insert_select_ratio: num(insertSelectRatio, 3),
      peak_rss_mb: num(peakRss, 1),
      parquet_pairs_per_s: num(parquetRate, 1),
      ceiling_pairs_per_s: num(ceilingRate, 1),
      parquet_ratio: num(parquetRatio, 3),
      giant_file_mb: giant ? num(giant.fileBytes / 1024 / 1024, 0) : null,
      giant_pairs_per_s: giant ? num(giant.perSecond, 1) : null,
      giant_seconds: giant ? num(giant.seconds, 1) : null,
      giant_peak_rss_mb: giant ? num(giant.importHwmMb, 1) : null,
    }),
  );
}

main().catch(async (err) => {
  console.error(err instanceof BenchFailure ? `\nFAILED: ${err.message}` : err);
  await cleanup();
  process.exit(1);
});
