// npm run bench:recompute — a settings save and its background recompute on an already seeded database,
// in process (no `next start`): the save's answer and the run's duration per phase, for the keep-rule change
// and its revert. It times what bench:pages times through HTTP without the pages, so the run can be
// measured before and after a change to it on one copy of a seeded database.
//
// Usage: BENCH_RECOMPUTE_DB=postgresql://…/loupe_x npm run bench:recompute -- [--project 1] [--changes scales,keep,rule,version,overlap]
//        [--explain]: instead, EXPLAIN ANALYZE one batch of each phase from the middle of the project under the
//        keep-rule change, in a transaction rolled back.
// The database must hold a seeded project (bench:pages seeds one: bench/lib/pages-seed.ts); it is migrated
// first. Every change is reverted by the next step, so the project ends as it started. Output: one line per
// save, one JSON object last.
import os from "node:os";
import { performance } from "node:perf_hooks";
import { openDatabase } from "../lib/db/connect";
import { migrate } from "../lib/db/migrate";
import { getSettingsRecompute, runSettingsRecompute } from "../lib/quality/recompute";
import { getProjectSettings, updateProjectSettings } from "../lib/quality/settings";
import { queueKeysBatchSql } from "../lib/queue/order-keys";
import type { TSettingsPatch } from "../lib/quality/settings-schema";
import { round } from "./lib/stats";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

const URL_ = process.env.BENCH_RECOMPUTE_DB;
if (!URL_) throw new Error("Set BENCH_RECOMPUTE_DB to the seeded database's URL.");
const PROJECT = Number(arg("project") ?? 1);
const CHANGES = (arg("changes") ?? "scales").split(",");

interface TFigure {
  change: string;
  saveMs: number;
  runMs: number;
  phasesMs: Record<string, number>;
  pairsChanged: number;
  pairsDone: number;
  load: number[];
}

const db = await openDatabase({ kind: "server", url: URL_, poolSize: 4 });
const figures: TFigure[] = [];
try {
  await migrate(db);
  const start = await getProjectSettings(db, PROJECT);
  if (!start) throw new Error(`no project ${PROJECT}`);
  const scales = start.verifierScales;
  const moved = scales.map((s, i) => (i === 0 ? { ...s, keep: s.keep === s.max ? s.min : Math.min(s.max, (s.keep ?? s.min) + 1) } : s));
  if (process.argv.includes("--explain")) {
    // Thrown to roll the explained batches and the settings back.
    const rollback = new Error("rollback");
    await db
      .transaction(async (tx) => {
        await tx.query(`UPDATE projects SET verifier_scales = $2::jsonb WHERE id = $1`, [PROJECT, JSON.stringify(moved)]);
        const [mid] = await tx.query<{ id: string }>(`SELECT (min(id) + (max(id) - min(id)) / 2)::text AS id FROM pairs WHERE project_id = $1`, [PROJECT]);
        for (const phase of ["open", "margins"] as const) {
          const plan = await tx.query<{ "QUERY PLAN": string }>(`EXPLAIN (ANALYZE, BUFFERS) ${queueKeysBatchSql(phase, false)}`, [PROJECT, mid!.id, 5000]);
          console.log(`\n${phase}:\n${plan.map((r) => r["QUERY PLAN"]).join("\n")}`);
        }
        throw rollback;
      })
      .catch((e: unknown) => {
        if (e !== rollback) throw e;
      });
    CHANGES.length = 0;
  }
  const steps: [string, TSettingsPatch][] = [];
  if (CHANGES.includes("scales")) steps.push(["keep rule changed", { verifierScales: moved }], ["keep rule back", { verifierScales: scales }]);
  // The change alone, left in place: for two copies of one database, one per version of the code.
  if (CHANGES.includes("keep")) steps.push(["keep rule changed", { verifierScales: moved }]);
  if (CHANGES.includes("rule")) {
    const other = start.verifierRule === "scores" ? "auto" : "scores";
    steps.push([`verifier rule → ${other}`, { verifierRule: other }], [`verifier rule back`, { verifierRule: start.verifierRule }]);
  }
  if (CHANGES.includes("version")) {
    // Naming the version the pairs already carry (or back to none) re-copies every pair's output and changes
    // no pair on a database with one version: the cost of reading the outputs.
    const [v] = await db.query<{ version: string }>(
      `SELECT o.version FROM pair_verifier_outputs o JOIN pairs p ON p.id = o.pair_id WHERE p.project_id = $1 LIMIT 1`, [PROJECT]);
    if (v) steps.push([`version → ${v.version}`, { verifierVersion: v.version }], ["version back", { verifierVersion: start.verifierVersion }]);
  }
  if (CHANGES.includes("overlap")) steps.push([`overlap +1`, { overlap: start.overlap + 1 }], ["overlap back", { overlap: start.overlap }]);
  for (const [change, patch] of steps) {
    const t0 = performance.now();
    const saved = await updateProjectSettings(db, PROJECT, null, patch, { enqueue: false });
    const saveMs = performance.now() - t0;
    const phasesMs: Record<string, number> = {};
    let phase: string | null = saved.recompute?.phase ?? null;
    let since = performance.now();
    const poll = setInterval(() => {
      void getSettingsRecompute(db, PROJECT).then((r) => {
        const now = r?.phase ?? null;
        if (now !== phase) {
          if (phase) phasesMs[phase] = round(performance.now() - since, 0);
          phase = now;
          since = performance.now();
        }
      });
    }, 200);
    const t1 = performance.now();
    await runSettingsRecompute(db, PROJECT);
    const runMs = performance.now() - t1;
    clearInterval(poll);
    if (phase) phasesMs[phase] = round(performance.now() - since, 0);
    const r = await getSettingsRecompute(db, PROJECT);
    const fig: TFigure = {
      change,
      saveMs: round(saveMs, 1),
      runMs: round(runMs, 0),
      phasesMs,
      pairsChanged: (r?.keysPairsChanged ?? 0) + (r?.overlapPairsChanged ?? 0),
      pairsDone: r?.pairsDone ?? 0,
      load: os.loadavg().map((x) => round(x, 1)),
    };
    figures.push(fig);
    console.log(
      `${change.padEnd(22)} save ${fig.saveMs} ms, run ${fig.runMs} ms ${JSON.stringify(fig.phasesMs)}, ${fig.pairsChanged} pairs changed of ${fig.pairsDone} looked at, load ${fig.load.join(" ")}`,
    );
  }
} finally {
  await db.close();
}
console.log(JSON.stringify({ db: URL_.replace(/^.*\//, ""), project: PROJECT, figures }));
