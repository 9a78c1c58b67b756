// npm run bench:pages — time to the full response of every page and of the progress and calibration APIs
// of a project in progress, at 10k, 1M and 10M pairs on the PostgreSQL server and at 1M on PGlite.
//
// Per size it seeds (or reuses) a database holding one project (bench/lib/pages-seed.ts: overlap 2, 60%
// final, 1.6 labels a pair from 20 annotators, disagreement, reviews, 1% gold, verifier outputs, audit
// rows), migrates it with the app's runner, starts `next start` on the production build (PGlite: without
// DATABASE_URL, on a seeded LOUPE_DATA_DIR) and, signed in through next-auth as the page's role, GETs:
//   every page under app/ (found by walking app/**/page.tsx, so pages added later are timed too;
//   [projectId] is the seeded project, pages with other dynamic segments and the sign-in page are left out),
//   every GET API route under app/api whose path names progress or calibration.
// One unmeasured request per URL, then BENCH_RUNS measured ones in turn; the figures are the median and the
// p95 (nearest rank) of those, with the growth largest ÷ smallest PostgreSQL size.
// Then the settings save: a keep-rule change, an overlap change and their reverts, each timed to its answer
// and, when the answer leaves a recompute running in the background (GET settings reports `recompute`), to the
// end of that run, polled every 100 ms.
//
// Usage: npm run bench:pages -- [--sizes 10k,1M,10M] [--pglite 1M|none] [--runs 10] [--fresh] [--drop] [--seed-only]
//        [--settings-timeout 120] [--only 'delete|gold']
// Seeded databases are kept between runs and reused (10M takes long to seed): `loupe_pagesbench_<size>` on
// the server named by BENCH_DATABASE_URL, and $BENCH_PGLITE_DIR (default $TMPDIR/loupe-pagesbench-pglite-<size>)
// for PGlite. --fresh seeds again; --drop removes them at the end; --seed-only seeds and stops (no build, no
// server), so the long 10M seeding can run ahead of the measurement. Seeding prints its rows/s.
// Output: per engine and size, a table of median/p95 per URL; a growth table; the settings table; server peak
// RSS (VmHWM of the next start process); last line, one JSON object with every figure.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { signIn } from "./lib/app";
import { ensureBuild, snapshotBuild } from "./lib/build";
import { createDatabase, dropDatabase, withDatabase } from "./lib/db";
import { HttpClient, type CookieJar } from "./lib/http";
import { findSeeded, PAGES_PASSWORD, seedPagesProject, type PagesProject, type SeedDb } from "./lib/pages-seed";
import { freePort, startApp, type AppServer } from "./lib/server";
import { percentile, round, table } from "./lib/stats";
import { migrate } from "../lib/db/migrate";
import { runnerFromPg, runnerFromPglite } from "../lib/db/sql";
import { hashPassword } from "../lib/auth/password";

const ROOT = process.cwd(); // npm run sets it to the checkout
const env = process.env;
const MAINT_URL = env.BENCH_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";
const DB_PREFIX = env.BENCH_PAGES_DB_PREFIX || "loupe_pagesbench_";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const v = process.argv[i + 1];
  return v && !v.startsWith("--") ? v : "";
}
function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s.trim());
  if (!m) throw new Error(`not a size: ${s} (e.g. 10k, 1M)`);
  return Math.round(Number(m[1]) * (m[2]!.toLowerCase() === "k" ? 1e3 : m[2]!.toLowerCase() === "m" ? 1e6 : 1));
}
const fmtSize = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));

const SIZES_ARG = arg("sizes") || env.BENCH_SIZES || "10k,1M,10M";
// "--sizes none" leaves the server out (e.g. `--sizes none --pglite 1M --seed-only`).
const SIZES = SIZES_ARG === "none" ? [] : SIZES_ARG.split(",").map(parseSize).sort((a, b) => a - b);
const PGLITE_ARG = arg("pglite") ?? env.BENCH_PGLITE ?? "1M";
const PGLITE_SIZE = PGLITE_ARG === "none" || PGLITE_ARG === "" ? null : parseSize(PGLITE_ARG);
const RUNS = Number(arg("runs") || env.BENCH_RUNS || 10);
const FRESH = arg("fresh") !== undefined;
const DROP = arg("drop") !== undefined;
const SEED_ONLY = arg("seed-only") !== undefined;
// A background run still going after this many seconds is recorded with how far it got, and the bench
// moves on (the next save restarts it, as a later save does); default: wait for every run to end.
// --only <regex>: time only the URLs whose name matches, and skip the settings saves (a re-measure of a page).
const ONLY = arg("only") ? new RegExp(arg("only")!) : null;
const SETTINGS_TIMEOUT_S = Number(arg("settings-timeout") || env.BENCH_SETTINGS_TIMEOUT || Infinity);
const FIRST_PORT = Number(env.BENCH_PORT ?? 3400);
const POOL_SIZE = Number(env.BENCH_POOL_SIZE ?? 20);

const state: { server?: AppServer; appDir?: string; maint?: pg.Client; dropDbs: string[]; dropDirs: string[] } = { dropDbs: [], dropDirs: [] };

async function cleanup(): Promise<void> {
  await state.server?.stop().catch(() => {});
  state.server = undefined;
  if (DROP && state.maint) for (const d of state.dropDbs) await dropDatabase(state.maint, d).catch(() => {});
  if (DROP) for (const d of state.dropDirs) rmSync(d, { recursive: true, force: true });
  await state.maint?.end().catch(() => {});
  state.maint = undefined;
  if (state.appDir) rmSync(state.appDir, { recursive: true, force: true });
}
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    console.error(`\n${sig}: stopping the server…`);
    cleanup().finally(() => process.exit(130));
  });
}

interface Target {
  name: string;
  path: string;
  as: "admin" | "reviewer" | "annotator";
}

/** Every page and the progress and calibration GET routes, found in app/, for project `id`. */
function discoverTargets(projectId: number): Target[] {
  const out: Target[] = [];
  const walk = (dir: string, segs: string[]) => {
    for (const e of readdirSync(dir)) {
      const full = path.join(dir, e);
      if (statSync(full).isDirectory()) walk(full, [...segs, e]);
      else if (e === "page.tsx" || e === "route.ts") {
        const urlSegs = segs.filter((s) => !(s.startsWith("(") && s.endsWith(")")));
        const dynamic = urlSegs.filter((s) => s.startsWith("["));
        if (dynamic.some((s) => s !== "[projectId]")) continue;
        const url = "/" + urlSegs.map((s) => (s === "[projectId]" ? String(projectId) : s)).join("/");
        const shown = "/" + urlSegs.map((s) => (s === "[projectId]" ? ":id" : s)).join("/");
        if (e === "route.ts") {
          if (!/progress|calibration/.test(url)) continue;
          if (!/export\s+const\s+GET\b/.test(readFileSync(full, "utf8"))) continue;
          out.push({ name: `GET ${shown}`, path: url, as: url.includes("/v1/") || url.includes("calibration") ? "admin" : "annotator" });
        } else {
          if (url === "/signin") continue;
          const as = url.startsWith("/review") ? "reviewer" : url.startsWith("/annotate") ? "annotator" : "admin";
          out.push({ name: `page ${shown}`, path: url, as });
        }
      }
    }
  };
  walk(path.join(ROOT, "app"), []);
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

interface PageFigure {
  name: string;
  p50: number;
  p95: number;
  status: string;
}
interface SettingsFigure {
  change: string;
  saveMs: number;
  backgroundMs: number | null;
  unfinished?: string;
}
interface RunFigures {
  engine: "pg" | "pglite";
  size: number;
  pages: PageFigure[];
  settings: SettingsFigure[];
  peakRssMb: number | null;
  seed: { seconds: number; rows: number; rowsPerS: number } | null;
}

function vmHwmMb(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

async function countRows(db: SeedDb, projectId: number): Promise<number> {
  const r = (await (db as pg.Client).query(
    `SELECT (SELECT count(*) FROM pairs WHERE project_id = $1) + (SELECT count(*) FROM labels WHERE project_id = $1)
          + (SELECT count(*) FROM pair_verifier_outputs) + (SELECT count(*) FROM audit_events) AS n`,
    [projectId],
  )) as unknown as { rows: { n: string | number }[] };
  return Number(r.rows[0]!.n);
}

async function seedInto(db: SeedDb, size: number, label: string): Promise<{ project: PagesProject; seed: RunFigures["seed"] }> {
  const existing = await findSeeded(db);
  if (existing) {
    console.log(`  ${label}: seeded project found, reused (--fresh seeds again)`);
    return { project: existing, seed: null };
  }
  const hash = await hashPassword(PAGES_PASSWORD);
  const t = performance.now();
  const project = await seedPagesProject(db, size, hash, (done) =>
    process.stdout.write(`\r  ${label}: seeding ${fmtSize(done)} / ${fmtSize(size)} pairs, ${round((performance.now() - t) / 1000, 0)} s   `),
  );
  await (db as pg.Client).query(`VACUUM ANALYZE`);
  const seconds = (performance.now() - t) / 1000;
  const rows = await countRows(db, project.projectId);
  process.stdout.write("\n");
  console.log(`  ${label}: seeded ${rows.toLocaleString("en")} rows in ${round(seconds, 1)} s (${Math.round(rows / seconds).toLocaleString("en")} rows/s, ${Math.round(size / seconds).toLocaleString("en")} pairs/s)`);
  return { project, seed: { seconds: round(seconds, 1), rows, rowsPerS: Math.round(rows / seconds) } };
}

async function preparePg(size: number): Promise<{ url: string; project: PagesProject; seed: RunFigures["seed"] }> {
  const name = `${DB_PREFIX}${fmtSize(size).toLowerCase()}`;
  state.dropDbs.push(name);
  const exists = (await state.maint!.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [name])).rowCount! > 0;
  if (exists && FRESH) await dropDatabase(state.maint!, name);
  if (!exists || FRESH) await createDatabase(state.maint!, name);
  const url = withDatabase(MAINT_URL, name);
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    await migrate(runnerFromPg(db));
    const seeded = await seedInto(db, size, `pg ${fmtSize(size)} (${name})`);
    return { url, ...seeded };
  } finally {
    await db.end();
  }
}

async function preparePglite(size: number): Promise<{ dataDir: string; project: PagesProject; seed: RunFigures["seed"] }> {
  const dataDir = env.BENCH_PGLITE_DIR || path.join(os.tmpdir(), `loupe-pagesbench-pglite-${fmtSize(size).toLowerCase()}`);
  state.dropDirs.push(dataDir);
  if (FRESH) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const db = new PGlite(path.join(dataDir, "pgdata"));
  await db.waitReady;
  try {
    await migrate(runnerFromPglite(db));
    const seeded = await seedInto(db, size, `pglite ${fmtSize(size)} (${dataDir})`);
    return { dataDir, ...seeded };
  } finally {
    await db.close();
  }
}

async function timeGet(http: HttpClient, jar: CookieJar, url: string): Promise<{ ms: number; status: number }> {
  const t = performance.now();
  const r = await http.request("GET", url, { jar });
  return { ms: performance.now() - t, status: r.status };
}

interface TRecompute {
  running?: boolean;
  pairsDone?: number;
  pairsTotal?: number;
  phase?: string | null;
}

/** Saves a settings patch; then, if a recompute runs in the background, waits for it to end. */
async function timeSave(http: HttpClient, jar: CookieJar, projectId: number, patch: Record<string, unknown>): Promise<{ saveMs: number; backgroundMs: number | null; unfinished?: string }> {
  const url = `/api/projects/${projectId}/settings`;
  const t = performance.now();
  const r = await http.request("PATCH", url, { jar, body: JSON.stringify(patch), headers: { "content-type": "application/json" } });
  const saveMs = performance.now() - t;
  if (r.status !== 200) throw new Error(`PATCH settings → ${r.status}: ${r.body.slice(0, 300)}`);
  const running = (body: string) => (JSON.parse(body) as { recompute?: TRecompute | null }).recompute?.running === true;
  if (!running(r.body)) {
    const again = await http.request("GET", url, { jar });
    if (!running(again.body)) return { saveMs, backgroundMs: null };
  }
  for (;;) {
    await new Promise((res) => setTimeout(res, 100));
    const g = await http.request("GET", url, { jar });
    if (g.status !== 200) throw new Error(`GET settings → ${g.status}`);
    if (!running(g.body)) return { saveMs, backgroundMs: performance.now() - t };
    if (performance.now() - t > SETTINGS_TIMEOUT_S * 1000) {
      const r = (JSON.parse(g.body) as { recompute?: TRecompute | null }).recompute;
      return { saveMs, backgroundMs: null, unfinished: `still running after ${SETTINGS_TIMEOUT_S} s: ${r?.phase ?? "?"} phase, ${r?.pairsDone ?? "?"} of ${r?.pairsTotal ?? "?"} pairs looked at` };
    }
  }
}

async function measure(engine: "pg" | "pglite", size: number, conn: { url?: string; dataDir?: string }, project: PagesProject): Promise<Omit<RunFigures, "seed">> {
  const port = await freePort(FIRST_PORT);
  const logFile = path.join(os.tmpdir(), `loupe-pagesbench-${engine}-${fmtSize(size)}-next.log`);
  const t0 = performance.now();
  const server = await startApp({
    databaseUrl: conn.url,
    cwd: state.appDir!,
    port,
    poolSize: POOL_SIZE,
    logFile,
    extraEnv: conn.dataDir ? { LOUPE_DATA_DIR: conn.dataDir } : {},
  });
  state.server = server;
  console.log(`  next start on :${port}, ${round((performance.now() - t0) / 1000, 1)} s (log ${logFile})`);
  const http = new HttpClient("127.0.0.1", port, 8, 600_000);
  try {
    const jars = {
      admin: await signIn(http, project.adminEmail, PAGES_PASSWORD),
      reviewer: await signIn(http, project.reviewerEmail, PAGES_PASSWORD),
      annotator: await signIn(http, project.annotatorEmail, PAGES_PASSWORD),
    };
    const pages: PageFigure[] = [];
    for (const target of discoverTargets(project.projectId).filter((t) => !ONLY || ONLY.test(t.name))) {
      const jar = jars[target.as];
      await timeGet(http, jar, target.path); // warm: compiled routes, prepared statements, caches
      const samples: number[] = [];
      const statuses = new Set<number>();
      for (let i = 0; i < RUNS; i++) {
        const r = await timeGet(http, jar, target.path);
        samples.push(r.ms);
        statuses.add(r.status);
      }
      samples.sort((a, b) => a - b);
      const fig = { name: target.name, p50: round(percentile(samples, 50), 1), p95: round(percentile(samples, 95), 1), status: [...statuses].join("/") };
      pages.push(fig);
      console.log(`    ${fig.name.padEnd(52)} ${String(fig.p50).padStart(9)} ms  p95 ${String(fig.p95).padStart(9)} ms  (${fig.status})`);
    }
    const settings: SettingsFigure[] = [];
    const cur = JSON.parse((await http.request("GET", `/api/projects/${project.projectId}/settings`, { jar: jars.admin })).body) as {
      settings: { overlap: number; verifierScales: { keep?: number | null; min: number; max: number }[] };
    };
    const scales = cur.settings.verifierScales;
    const moved = scales.map((s, i) => (i === 0 ? { ...s, keep: s.keep === s.max ? s.min : Math.min(s.max, (s.keep ?? s.min) + 1) } : s));
    const steps: [string, Record<string, unknown>][] = [
      ["keep rule changed", { verifierScales: moved }],
      ["keep rule back", { verifierScales: scales }],
      [`overlap ${cur.settings.overlap} → ${cur.settings.overlap + 1}`, { overlap: cur.settings.overlap + 1 }],
      [`overlap back to ${cur.settings.overlap}`, { overlap: cur.settings.overlap }],
    ];
    for (const [change, patch] of ONLY ? [] : steps) {
      const r = await timeSave(http, jars.admin, project.projectId, patch);
      const fig = { change, saveMs: round(r.saveMs, 1), backgroundMs: r.backgroundMs === null ? null : round(r.backgroundMs, 0), unfinished: r.unfinished };
      settings.push(fig);
      console.log(`    settings: ${change.padEnd(24)} answer ${fig.saveMs} ms, background ${r.unfinished ?? (fig.backgroundMs === null ? "none" : `${fig.backgroundMs} ms`)}`);
    }
    return { engine, size, pages, settings, peakRssMb: vmHwmMb(server.child.pid) };
  } finally {
    http.close();
    await server.stop();
    state.server = undefined;
  }
}

async function seedOnly(): Promise<void> {
  state.maint = new pg.Client({ connectionString: MAINT_URL });
  await state.maint.connect();
  for (const size of SIZES) {
    console.log(`\nPostgreSQL, ${fmtSize(size)} pairs`);
    await preparePg(size);
  }
  if (PGLITE_SIZE !== null) {
    console.log(`\nPGlite, ${fmtSize(PGLITE_SIZE)} pairs`);
    await preparePglite(PGLITE_SIZE);
  }
}

async function main(): Promise<void> {
  if (SEED_ONLY) return seedOnly();
  await ensureBuild(ROOT, console.log);
  state.appDir = await snapshotBuild(ROOT, path.join(os.tmpdir(), `loupe-pagesbench-app-${process.pid}`));
  state.maint = new pg.Client({ connectionString: MAINT_URL });
  await state.maint.connect();
  const runs: RunFigures[] = [];
  for (const size of SIZES) {
    console.log(`\nPostgreSQL, ${fmtSize(size)} pairs`);
    const prep = await preparePg(size);
    runs.push({ ...(await measure("pg", size, { url: prep.url }, prep.project)), seed: prep.seed });
  }
  if (PGLITE_SIZE !== null) {
    console.log(`\nPGlite, ${fmtSize(PGLITE_SIZE)} pairs`);
    const prep = await preparePglite(PGLITE_SIZE);
    runs.push({ ...(await measure("pglite", PGLITE_SIZE, { dataDir: prep.dataDir }, prep.project)), seed: prep.seed });
  }

  const cols = runs.map((r) => `${r.engine} ${fmtSize(r.size)}`);
  const names = [...new Set(runs.flatMap((r) => r.pages.map((p) => p.name)))];
  const pgRuns = runs.filter((r) => r.engine === "pg");
  const small = pgRuns[0];
  const large = pgRuns[pgRuns.length - 1];
  const growthHeader = small && large && small !== large ? `growth ${fmtSize(large.size)} ÷ ${fmtSize(small.size)}` : "growth";
  const rows = names.map((n) => {
    const cells = runs.map((r) => {
      const p = r.pages.find((x) => x.name === n);
      return p ? `${p.p50} / ${p.p95}${p.status === "200" ? "" : ` (${p.status})`}` : "";
    });
    const a = small?.pages.find((x) => x.name === n);
    const b = large?.pages.find((x) => x.name === n);
    return [n, ...cells, a && b && small !== large ? round(b.p50 / a.p50, 2) : ""];
  });
  console.log(`\nTime to the full response, median / p95 ms over ${RUNS} requests\n`);
  console.log(table(["URL", ...cols, growthHeader], rows));
  console.log(`\nSettings save: answer ms / background run ms ("-": none in the background)\n`);
  const changes = runs[0]?.settings.map((s) => s.change) ?? [];
  console.log(
    table(
      ["change", ...cols],
      changes.map((c, i) => [c, ...runs.map((r) => (r.settings[i] ? `${r.settings[i]!.saveMs} / ${r.settings[i]!.unfinished ? `> ${SETTINGS_TIMEOUT_S * 1000}` : (r.settings[i]!.backgroundMs ?? "-")}` : ""))]),
    ),
  );
  console.log(`\nServer peak RSS (VmHWM, MB): ${runs.map((r) => `${r.engine} ${fmtSize(r.size)} ${round(r.peakRssMb ?? NaN, 0)}`).join(", ")}`);
  const seeds = runs.filter((r) => r.seed);
  if (seeds.length) console.log(`Seeding: ${seeds.map((r) => `${r.engine} ${fmtSize(r.size)} ${r.seed!.rows} rows in ${r.seed!.seconds} s = ${r.seed!.rowsPerS} rows/s`).join("; ")}`);
  console.log(JSON.stringify({ runs: RUNS, figures: runs }));
}

main()
  .then(cleanup)
  .catch(async (e: Error) => {
    console.error(e.stack ?? e.message);
    await cleanup();
    process.exit(1);
  });
