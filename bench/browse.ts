// npm run bench:browse — the data browser's pages at BENCH_PAIRS (default 10M) pairs on the PostgreSQL
// server. The database BENCH_DB is seeded once with generate_series (bench/lib/browse-seed.ts) and reused
// while it holds the full count (migrated first, so an index added since is built). For each filtered page below, in one run:
//   loupe: listPairs() through the app's own Db handle (lib/browse/queries.ts: the sort's index walked
//          under the scan window, the annotator's labels walked in pair order, the search driven by
//          its GIN index when its matches are few),
//   sql:   the same question asked in plain SQL (WHERE … ORDER BY … LIMIT 51), left to the planner.
// Each is timed BENCH_RUNS times from random starting points; p95 in ms for both and their ratio.
// Last line: {"pairs", "pages": {name: {loupe_p95_ms, sql_p95_ms, ratio}}}. Knobs and numbers: bench/RESULTS.md.
import { performance } from "node:perf_hooks";
import pg from "pg";
import { openDatabase } from "../lib/db/connect";
import { migrate } from "../lib/db/migrate";
import { runnerFromPg } from "../lib/db/sql";
import { browseWhere, encodeCursor, type TBrowseFilters, type TBrowseSort } from "../lib/browse/filters";
import { BROWSE_PAGE_SIZE, listPairs } from "../lib/browse/queries";
import { createDatabase, withDatabase } from "./lib/db";
import { findSeeded, seedBrowse } from "./lib/browse-seed";
import { round, summarize, table } from "./lib/stats";

const env = process.env;
const MAINT_URL = env.BENCH_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";
const DB_NAME = env.BENCH_DB || "loupe_browse_bench";
const PAIRS = Number(env.BENCH_PAIRS ?? 10_000_000);
const RUNS = Math.max(5, Number(env.BENCH_RUNS ?? 40));

const ORDER: Record<TBrowseSort, string> = { newest: "p.id DESC", oldest: "p.id ASC", finalized: "p.finalized_at DESC, p.id DESC" };

const PAGES: { name: string; sort: TBrowseSort; filters: TBrowseFilters }[] = [
  { name: "no filter", sort: "newest", filters: {} },
  { name: "status in review", sort: "newest", filters: { status: ["in_review"] } },
  { name: "final reject, task2", sort: "newest", filters: { decision: ["reject"], task: "task2" } },
  { name: "verifier drops, score overall 0-3", sort: "oldest", filters: { verifier: ["drops"], scoreKey: "overall", scoreMax: 3 } },
  { name: "version v2 overall >= 9", sort: "newest", filters: { version: "v2", scoreKey: "overall", scoreMin: 9 } },
  { name: "retired gold (rare)", sort: "newest", filters: { gold: "retired" } },
  { name: "annotator (labels on 2.5%)", sort: "newest", filters: { annotator: -1 } },
  { name: "annotator, in review", sort: "newest", filters: { annotator: -1, status: ["in_review"] } },
  { name: "annotator, recently finalised", sort: "finalized", filters: { annotator: -1 } },
  { name: "finalised in January, accept", sort: "finalized", filters: { finalizedBefore: "2026-02-01", decision: ["accept"] } },
  { name: "search 'purple car' (10k hits)", sort: "newest", filters: { q: "purple car" } },
  { name: "search 'purple car' + final", sort: "newest", filters: { q: "purple car", status: ["final"] } },
  { name: "search 'red' (1M hits)", sort: "newest", filters: { q: "red" } },
  { name: "search a number (1 hit)", sort: "newest", filters: { q: "4242424" } },
];

async function main(): Promise<void> {
  const maint = new pg.Client({ connectionString: MAINT_URL });
  await maint.connect();
  const exists = await maint.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [DB_NAME]);
  if (exists.rows.length === 0) await createDatabase(maint, DB_NAME);
  await maint.end();
  const url = withDatabase(MAINT_URL, DB_NAME);
  const raw = new pg.Client({ connectionString: url });
  await raw.connect();
  let projectId = await findSeeded(raw, PAIRS);
  if (projectId === null) {
    if (exists.rows.length > 0) throw new Error(`${DB_NAME} exists but does not hold a finished browse seed of ${PAIRS} pairs: drop it first.`);
    console.log(`seeding ${PAIRS.toLocaleString("en")} pairs into ${DB_NAME}…`);
    const t0 = performance.now();
    projectId = (await seedBrowse(raw, PAIRS, console.log)).projectId;
    console.log(`  seeded in ${round((performance.now() - t0) / 1000, 0)} s`);
  } else {
    // Indexes added since the seed (a migration of the code being measured) are built on the kept data.
    const { applied } = await migrate(runnerFromPg(raw));
    console.log(`reusing ${DB_NAME}: ${PAIRS.toLocaleString("en")} pairs in project ${projectId}${applied.length ? `, migrated ${applied.join(", ")}` : ""}`);
  }
  const [{ annotator }] = (await raw.query<{ annotator: number }>(`SELECT min(annotator_id) AS annotator FROM labels`)).rows as [{ annotator: number }];
  const [{ lo, hi }] = (await raw.query<{ lo: string; hi: string }>(`SELECT min(id)::text AS lo, max(id)::text AS hi FROM pairs WHERE project_id = $1`, [projectId])).rows as [{ lo: string; hi: string }];
  const db = await openDatabase({ kind: "server", url, poolSize: 2 });
  const results: Record<string, { loupe_p95_ms: number; sql_p95_ms: number; ratio: number; loupe_p50_ms: number; sql_p50_ms: number }> = {};
  // Starting points spread over the project, the same for both sides; a fixed sequence, so runs compare.
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  try {
    for (const p of PAGES) {
      const filters = p.filters.annotator === -1 ? { ...p.filters, annotator } : p.filters;
      const loupe: number[] = [];
      const sql: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const id = String(BigInt(lo) + BigInt(Math.floor(rand() * (Number(BigInt(hi) - BigInt(lo)) + 1))));
        const k = p.sort === "finalized" ? new Date(Date.parse("2026-01-01") + rand() * 100 * 86_400_000).toISOString() : null;
        const cursor = i === 0 ? undefined : encodeCursor({ k, id });
        const t0 = performance.now();
        await listPairs(db, projectId, filters, { sort: p.sort, cursor });
        loupe.push(performance.now() - t0);
        const values: unknown[] = [projectId];
        const where = browseWhere(filters, values);
        let after = "";
        if (cursor) {
          const idp = `$${values.push(id)}`;
          after = p.sort === "newest" ? ` AND p.id < ${idp}::bigint`
            : p.sort === "oldest" ? ` AND p.id > ${idp}::bigint`
            : ` AND (p.finalized_at, p.id) < ($${values.push(k)}::timestamptz, ${idp}::bigint)`;
        }
        const t1 = performance.now();
        await raw.query(
          `SELECT p.id, p.external_id, p.instruction, p.task, p.subtask, p.status, p.final_decision, p.is_gold, p.gold_active,
                  p.verifier_margin, p.label_count, p.created_at, p.finalized_at
           FROM pairs p WHERE p.project_id = $1${p.sort === "finalized" ? " AND p.finalized_at IS NOT NULL" : ""}${where}${after}
           ORDER BY ${ORDER[p.sort]} LIMIT ${BROWSE_PAGE_SIZE + 1}`,
          values,
        );
        sql.push(performance.now() - t1);
      }
      const l = summarize(loupe);
      const s = summarize(sql);
      results[p.name] = { loupe_p95_ms: round(l.p95, 1), sql_p95_ms: round(s.p95, 1), ratio: round(l.p95 / s.p95, 2), loupe_p50_ms: round(l.p50, 1), sql_p50_ms: round(s.p50, 1) };
      console.log(`  ${p.name}: loupe p95 ${round(l.p95, 1)} ms, sql p95 ${round(s.p95, 1)} ms`);
    }
  } finally {
    await db.close();
    await raw.end();
  }
  console.log(table(
    ["page", "loupe p50", "loupe p95", "sql p50", "sql p95", "loupe/sql p95"],
    Object.entries(results).map(([name, r]) => [name, r.loupe_p50_ms, r.loupe_p95_ms, r.sql_p50_ms, r.sql_p95_ms, r.ratio]),
  ));
  console.log(JSON.stringify({ pairs: PAIRS, runs: RUNS, pages: results }));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
