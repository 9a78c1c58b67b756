// npm run bench:claim — throughput and claim latency of the annotation queue, app vs raw SQL.
//
// Against a fresh database on the PostgreSQL server, at each queue size, BENCH_WORKERS simulated annotators
// run claim → submit for BENCH_SECONDS after an unmeasured warm-up:
//   app: over HTTP against `next start` (production build, signed in through next-auth), as the annotate
//        page sends it (app-split: GET /api/projects/:id/next then POST /api/labels);
//   raw: the same statements over `pg`, one connection per annotator: the ceiling with zero overhead.
// A closed loop with no think time: the machine runs saturated and latencies include queueing behind the
// other annotators (and Postgres, Node and this driver sharing the cores), so compare sizes and app ÷ raw
// on one machine, not absolute numbers across hosts. BENCH_THINK_MS adds a paced run at the largest size;
// BENCH_ORDER sets the queue order and seeds verifier signals and long-tailed subtasks to sort on.
//
// BENCH_MODES=app-unkept,app [BENCH_ROUNDS=3] prices the kept figures on the write path (see below).
// Output: per size, decisions/s and claim p50/p95/p99; last line, one JSON object
//   {"p95_ms_10k", "p95_ms_1m", "decisions_per_s", "raw_decisions_per_s", "ratio"}
// (p95s at the smallest and largest size, the rest at the largest). Knobs and targets: bench/RESULTS.md.
// Needs a production build (runs `npm run build` when there is none), served from a temp copy of .next so
// a concurrent rebuild in this checkout cannot break a run.
import { rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { AppWorker, signIn } from "./lib/app";
import { ensureBuild, snapshotBuild } from "./lib/build";
import {
  BENCH_PASSWORD,
  addPairs,
  countPairs,
  createDatabase,
  dropDatabase,
  resetQueue,
  seedBase,
  withDatabase,
  type Seeded,
} from "./lib/db";
import { HttpClient } from "./lib/http";
import { runClosedLoop, type LoopResult } from "./lib/loop";
import { RawWorker } from "./lib/raw";
import { freePort, startApp, type AppServer } from "./lib/server";
import { round, summarize, table } from "./lib/stats";
import { isQueueOrder, QUEUE_ORDERS } from "../lib/queue/order";

const env = process.env;
const MAINT_URL = env.BENCH_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";
const SECONDS = Number(env.BENCH_SECONDS ?? 30);
const WARMUP_SECONDS = Number(env.BENCH_WARMUP_SECONDS ?? 3);
const WORKERS = Number(env.BENCH_WORKERS ?? 32);
const SIZES = (env.BENCH_SIZES ?? "10000,1000000")
  .split(",")
  .map((s) => Number(s.trim()))
  .filter((n) => Number.isInteger(n) && n > 0)
  .sort((a, b) => a - b);
const POOL_SIZE = Number(env.BENCH_POOL_SIZE ?? 20);
const FIRST_PORT = Number(env.BENCH_PORT ?? 3300);
// Mean pause between one annotator's decisions in the extra paced run at the largest size (0: skip it).
const THINK_MS = Number(env.BENCH_THINK_MS ?? 1000);
let seededForPaced: Seeded | undefined;
const MODES = new Set((env.BENCH_MODES ?? "app,app-split,raw").split(",").map((s) => s.trim()));
// app-unkept: the app run with the kept figures' triggers disabled (decisions 026 and 031), i.e. the write
// path before the figures were kept; with app in the same run it prices what keeping them costs a submit.
// BENCH_ROUNDS repeats the modes in turn (app-unkept, app, app-unkept, app, …) and the summary takes medians,
// so a noisy minute on a shared machine weighs on both sides.
const ROUNDS = Math.max(1, Number(env.BENCH_ROUNDS ?? 1));
const KEPT_TRIGGERS: [string, string][] = [
  ["labels", "labels_aggregates"], ["labels", "labels_aggregates_gold"], ["pairs", "pairs_aggregates_ins"], ["pairs", "pairs_aggregates_del"],
  ["pairs", "pairs_aggregates_upd"], ["audit_events", "audit_events_adjudication_day"], ["pairs", "pairs_calibration_upd"],
  ["pairs", "pairs_calibration_ins"], ["pairs", "pairs_calibration_del"], ["labels", "labels_gold_summary_ins"],
  ["labels", "labels_gold_summary_del"], ["labels", "labels_gold_summary_upd"],
];
async function setKeptTriggers(db: pg.Client, on: boolean): Promise<void> {
  for (const [table, trigger] of KEPT_TRIGGERS) await db.query(`ALTER TABLE "${table}" ${on ? "ENABLE" : "DISABLE"} TRIGGER "${trigger}"`);
}
const APP_NODE_ARGS = (env.BENCH_APP_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
const ORDER = env.BENCH_ORDER?.trim() || undefined;
if (ORDER !== undefined && !isQueueOrder(ORDER)) throw new Error(`BENCH_ORDER must be one of ${QUEUE_ORDERS.join(", ")}`);

interface RunRow {
  mode: "app" | "app-split" | "raw" | "app-unkept";
  result: LoopResult;
}

const state: {
  maint?: pg.Client;
  dbName?: string;
  admin?: pg.Client;
  server?: AppServer;
  rawClients: pg.Client[];
  appDir?: string;
  cleaned: boolean;
} = { rawClients: [], cleaned: false };

async function cleanup(): Promise<void> {
  if (state.cleaned) return;
  state.cleaned = true;
  await state.server?.stop().catch(() => {});
  await Promise.all(state.rawClients.map((c) => c.end().catch(() => {})));
  await state.admin?.end().catch(() => {});
  if (state.maint && state.dbName) {
    await dropDatabase(state.maint, state.dbName).catch((e) =>
      console.error(`could not drop database ${state.dbName}: ${(e as Error).message}`),
    );
  }
  await state.maint?.end().catch(() => {});
  if (state.appDir) rmSync(state.appDir, { recursive: true, force: true });
}

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    console.error(`\n${sig}: stopping the server and dropping ${state.dbName ?? "the bench database"}…`);
    cleanup().finally(() => process.exit(130));
  });
}

const fmtSize = (n: number) => (n >= 1_000_000 ? `${n / 1_000_000}M` : n >= 1000 ? `${n / 1000}k` : String(n));

async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const t = performance.now();
  const r = await fn();
  console.log(`  ${label}: ${round((performance.now() - t) / 1000, 1)} s`);
  return r;
}

async function runApp(dbUrl: string, seeded: Seeded, size: number, kind: "page" | "split", thinkMs = 0): Promise<LoopResult> {
  const port = await freePort(FIRST_PORT);
  const logFile = path.join(os.tmpdir(), `${state.dbName}-next-${size}.log`);
  const server = await timed(`next start on :${port} (log ${logFile})`, () =>
    startApp({ databaseUrl: dbUrl, cwd: state.appDir!, port, poolSize: POOL_SIZE, logFile, extraNodeArgs: APP_NODE_ARGS }),
  );
  state.server = server;
  const http = new HttpClient("127.0.0.1", port, Math.max(64, WORKERS * 2));
  try {
    const users = seeded.users.slice(0, WORKERS);
    const jars = await timed(`sign in ${users.length} annotators (next-auth credentials)`, async () => {
      const out = new Array(users.length);
      let next = 0;
      await Promise.all(
        Array.from({ length: 4 }, async () => {
          while (next < users.length) {
            const i = next++;
            out[i] = await signIn(http, users[i]!.email, BENCH_PASSWORD);
          }
        }),
      );
      return out;
    });
    const workers = jars.map((jar) => new AppWorker(http, jar, seeded.projectId, kind));
    return await runClosedLoop(workers, { warmupMs: WARMUP_SECONDS * 1000, measureMs: SECONDS * 1000, thinkMs });
  } finally {
    http.close();
    await server.stop();
    state.server = undefined;
  }
}

async function runRaw(dbUrl: string, seeded: Seeded): Promise<LoopResult> {
  const users = seeded.users.slice(0, WORKERS);
  const clients = users.map(() => new pg.Client({ connectionString: dbUrl }));
  state.rawClients = clients;
  try {
    await Promise.all(clients.map((c) => c.connect()));
    const workers = clients.map((c, i) => new RawWorker(c, users[i]!.id, seeded.projectId));
    return await runClosedLoop(workers, { warmupMs: WARMUP_SECONDS * 1000, measureMs: SECONDS * 1000 });
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
    state.rawClients = [];
  }
}

function report(size: number, rows: RunRow[]): void {
  console.log(`\nResults at ${fmtSize(size)} pairs (${WORKERS} annotators, closed loop):`);
  const out = rows.map(({ mode, result: r }) => {
    const c = summarize(r.claimMs);
    const s = summarize(r.submitMs);
    const errs = Object.values(r.errors).reduce((a, b) => a + b, 0);
    return [
      mode,
      round(r.decisions / r.seconds, 1),
      r.decisions,
      round(r.seconds, 1),
      round(c.p50, 1),
      round(c.p95, 1),
      round(c.p99, 1),
      round(c.max, 1),
      round(s.p50, 1),
      round(s.p95, 1),
      errs,
    ];
  });
  console.log(
    table(
      ["mode", "decisions/s", "decisions", "window s", "claim p50", "p95", "p99", "max", "submit p50", "p95", "errors"],
      out,
    ),
  );
  console.log("  (latencies in ms; errors = non-200 answers or failed statements, warm-up included)");
  for (const { mode, result: r } of rows) {
    for (const [what, n] of Object.entries(r.errors)) console.log(`  ${mode} error: ${what} × ${n}`);
    if (r.exhaustedAfter !== null) {
      console.log(`  ${mode}: the queue ran dry ${round(r.exhaustedAfter, 1)} s into the window; the window was cut there.`);
    }
  }
}

async function main(): Promise<void> {
  if (SIZES.length === 0) throw new Error("BENCH_SIZES has no valid sizes");
  console.log(
    `bench:claim — sizes ${SIZES.map(fmtSize).join(", ")}, ${WORKERS} annotators, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s measured, ` +
      `modes ${[...MODES].join("+")}, app pool ${POOL_SIZE}, ${os.cpus().length} CPUs`,
  );
  state.dbName = `loupe_bench_${Date.now()}`;
  if (MODES.has("app") || MODES.has("app-split")) {
    const root = process.cwd();
    await ensureBuild(root, (l) => console.log(l));
    state.appDir = await snapshotBuild(root, path.join(os.tmpdir(), `${state.dbName}-app`));
    console.log(`Serving a snapshot of the production build (${state.appDir}), safe from concurrent rebuilds.`);
  }

  state.maint = new pg.Client({ connectionString: MAINT_URL });
  await state.maint.connect();
  await createDatabase(state.maint, state.dbName);
  const dbUrl = withDatabase(MAINT_URL, state.dbName);
  console.log(`Database ${state.dbName} created (dropped at exit).`);

  state.admin = new pg.Client({ connectionString: dbUrl });
  await state.admin.connect();
  const admin = state.admin;
  const seeded = await timed(`migrate + project + ${WORKERS} annotators (one bcrypt hash)`, () => seedBase(admin, WORKERS));
  seededForPaced = seeded;
  if (ORDER) {
    await admin.query(`UPDATE projects SET queue_order = $2 WHERE id = $1`, [seeded.projectId, ORDER]);
    console.log(`Queue order: ${ORDER} (pairs seeded with verifier signals and long-tailed subtasks).`);
  }

  const results = new Map<number, RunRow[]>();
  for (const size of SIZES) {
    console.log(`\n== ${fmtSize(size)} pairs ==`);
    const have = await countPairs(admin, seeded.projectId);
    if (have < size) {
      await timed(`seed pairs ${have + 1}…${size}`, () => addPairs(admin, seeded.projectId, have, size, undefined, { signals: ORDER !== undefined }));
    }
    const rows: RunRow[] = [];
    for (let round_ = 0; round_ < ROUNDS; round_++) {
      for (const mode of ["app-unkept", "app", "app-split", "raw"] as const) {
        if (!MODES.has(mode)) continue;
        await timed("reset queue + VACUUM ANALYZE", () => resetQueue(admin));
        console.log(`  ${mode} run${ROUNDS > 1 ? ` (round ${round_ + 1}/${ROUNDS})` : ""}: ${WARMUP_SECONDS} s warm-up + ${SECONDS} s…`);
        if (mode === "app-unkept") await setKeptTriggers(admin, false);
        let result: LoopResult;
        try {
          result = mode === "raw" ? await runRaw(dbUrl, seeded) : await runApp(dbUrl, seeded, size, mode === "app-split" ? "split" : "page");
        } finally {
          if (mode === "app-unkept") await setKeptTriggers(admin, true);
        }
        console.log(
          `  ${mode}: ${round(result.decisions / result.seconds, 1)} decisions/s, claim p95 ${round(summarize(result.claimMs).p95, 1)} ms`,
        );
        rows.push({ mode, result });
      }
    }
    results.set(size, rows);
    report(size, rows);
    if (MODES.has("app-unkept") && MODES.has("app")) {
      const dps = (m: RunRow["mode"]) => rows.filter((r) => r.mode === m).map((r) => r.result.decisions / r.result.seconds).sort((a, b) => a - b);
      const median = (xs: number[]) => (xs.length % 2 ? xs[(xs.length - 1) / 2]! : (xs[xs.length / 2 - 1]! + xs[xs.length / 2]!) / 2);
      const [before, after] = [median(dps("app-unkept")), median(dps("app"))];
      console.log(
        `  kept figures' write cost at ${fmtSize(size)}: app decisions/s with them ÷ without = ${round(after, 1)} ÷ ${round(before, 1)} = ` +
          `${round(after / before, 3)} (target ≥ 0.9; medians of ${ROUNDS} round${ROUNDS > 1 ? "s" : ""}: ${dps("app-unkept").map((x) => round(x, 1)).join(", ")} without, ${dps("app").map((x) => round(x, 1)).join(", ")} with)`,
      );
    }
  }

  const small = SIZES[0]!;
  const large = SIZES[SIZES.length - 1]!;
  const pick = (size: number, mode: "app" | "raw") => results.get(size)?.find((r) => r.mode === mode)?.result;
  const appSmall = pick(small, "app");
  const appLarge = pick(large, "app");
  const rawLarge = pick(large, "raw");
  const p95Small = appSmall ? summarize(appSmall.claimMs).p95 : NaN;
  const p95Large = appLarge ? summarize(appLarge.claimMs).p95 : NaN;
  const dps = appLarge ? appLarge.decisions / appLarge.seconds : NaN;
  const rawDps = rawLarge ? rawLarge.decisions / rawLarge.seconds : NaN;
  const ratio = dps / rawDps;
  const growth = p95Large / p95Small;

  console.log(`\nSummary (app claim p95 at ${fmtSize(small)} and ${fmtSize(large)}; throughput at ${fmtSize(large)}):`);
  const verdict = (ok: boolean) => (Number.isNaN(growth) && Number.isNaN(ratio) ? "n/a" : ok ? "PASS" : "FAIL");
  console.log(`  claim p95 at ${fmtSize(large)}: ${round(p95Large, 1)} ms (target ≤ 25 ms) ${verdict(p95Large <= 25)}`);
  console.log(`  p95 ${fmtSize(large)} ÷ ${fmtSize(small)}: ${round(growth, 2)} (target ≤ 1.5) ${verdict(growth <= 1.5)}`);
  console.log(
    `  app ÷ raw decisions/s: ${round(dps, 1)} ÷ ${round(rawDps, 1)} = ${round(ratio, 3)} (target ≥ 0.25) ${verdict(ratio >= 0.25)}`,
  );
  if (small !== 10_000 || large !== 1_000_000) {
    console.log(`  (non-default sizes: p95_ms_10k is at ${fmtSize(small)}, p95_ms_1m at ${fmtSize(large)})`);
  }

  // The targets above are read at saturation. For scale, the same annotators at a human pace (one decision
  // about every THINK_MS): what the latency of a claim feels like in use.
  if (THINK_MS > 0 && MODES.has("app")) {
    console.log(`\n== ${fmtSize(large)} pairs, paced: each annotator decides about every ${THINK_MS} ms ==`);
    await timed("reset queue + VACUUM ANALYZE", () => resetQueue(state.admin!));
    const paced = await runApp(withDatabase(MAINT_URL, state.dbName), seededForPaced!, large, "page", THINK_MS);
    const c = summarize(paced.claimMs);
    console.log(
      `  app (paced): ${round(paced.decisions / paced.seconds, 1)} decisions/s, claim p50 ${round(c.p50, 1)} ms, ` +
        `p95 ${round(c.p95, 1)} ms, p99 ${round(c.p99, 1)} ms, errors ${Object.values(paced.errors).reduce((a, b) => a + b, 0)}`,
    );
    console.log("  (not part of the JSON line: the targets are defined at saturation)");
  }

  await cleanup();
  const num = (n: number, d: number) => (Number.isFinite(n) ? round(n, d) : null);
  console.log(
    JSON.stringify({
      p95_ms_10k: num(p95Small, 1),
      p95_ms_1m: num(p95Large, 1),
      decisions_per_s: num(dps, 1),
      raw_decisions_per_s: num(rawDps, 1),
      ratio: num(ratio, 3),
    }),
  );
}

main().catch(async (err) => {
  console.error(err);
  await cleanup();
  process.exit(1);
});
