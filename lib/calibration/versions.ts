import "server-only";
import type { Db } from "../db/connect";
import { parseVerifierScales, shortLabel } from "../quality/scales";
import type { TVerifierRule } from "../quality/settings-schema";
import { buildVersionComparison, type TVersionCountRow, type TVersionComparison, type TVersionFilter, type TVersionSummary } from "./versions-report";

// Verifier versions compared on the same human-labelled pairs (issue 14 point 5, decision 024).
//
// The comparison reads a summary, calibration_version_counts: final pairs with verifier outputs counted
// by (the pair's set of versions, version, task, subtask, gold, outcome, the version's verdict or one
// score's bin). Comparing versions S sums the rows whose set contains S, so the curves and figures of any
// choice of versions are on the pairs that have an output from each of them. One grouped statement reads
// it; its size depends on the versions, tasks and distinct score bins, not on the project's pairs.
//
// The summary is computed on demand, in steps over the project's final pairs by id (pairs_final_idx):
// each step groups STEP_PAIRS pairs into calibration_version_partials and moves the run's cursor; the
// last groups the partials into the counts in one transaction, so the page shows the previous summary
// (with its age) until then. The rows lock on calibration_version_runs serialises two admins' steps.
// The verdict of each version is the project's verifier rule on that version's output, with the keep
// rule as declared when the run started (recorded, so the page can say the declaration changed since).

const STEP_PAIRS = 10_000;

// $1 project, $2 after this pair id, $3 up to this pair id, $4 the rule, $5 the scales, $6 keys, $7 higher-is-better.
const STEP_SQL = `
INSERT INTO calibration_version_partials (project_id, versions, version, task, subtask, is_gold, accepted, verdict, key, bin, min, n)
SELECT $1::int, x.versions, x.version, x.task, x.subtask, x.is_gold, x.accepted, b.verdict, b.key, b.bin, min(b.o), count(*)
FROM (
  SELECT p.task, p.subtask, p.is_gold, p.final_decision = 'accept' AS accepted, o.version, o.scores, o.valid, v.versions
  FROM pairs p
  CROSS JOIN LATERAL (SELECT array_agg(version ORDER BY version) AS versions FROM pair_verifier_outputs WHERE pair_id = p.id) v
  JOIN pair_verifier_outputs o ON o.pair_id = p.id
  WHERE p.project_id = $1::int AND p.final_decision IS NOT NULL AND p.status = 'final' AND p.id > $2::bigint AND p.id <= $3::bigint
) x
CROSS JOIN LATERAL (
  SELECT '' AS key, 0::float8 AS bin, NULL::float8 AS o,
         loupe_verifier_verdict($4::text, x.valid, loupe_verifier_margin(x.scores, $5::jsonb)) AS verdict
  UNION ALL
  SELECT s.key, loupe_score_bin(s.o), s.o, NULL::boolean
  FROM (SELECT c.key, CASE WHEN c.higher THEN 1 ELSE -1 END * (x.scores->>c.key)::float8 AS o
        FROM unnest($6::text[], $7::boolean[]) AS c(key, higher)
        WHERE jsonb_typeof(x.scores->c.key) = 'number') s
) b
GROUP BY x.versions, x.version, x.task, x.subtask, x.is_gold, x.accepted, b.verdict, b.key, b.bin`;

const PUBLISH_SQL = `
INSERT INTO calibration_version_counts (project_id, versions, version, task, subtask, is_gold, accepted, verdict, key, bin, min, n)
SELECT project_id, versions, version, task, subtask, is_gold, accepted, verdict, key, bin, min(min), sum(n)
FROM calibration_version_partials WHERE project_id = $1
GROUP BY project_id, versions, version, task, subtask, is_gold, accepted, verdict, key, bin`;

// $1 project, $2 the compared versions, $3 include gold.
const READ_SQL = `
SELECT version, task, subtask, accepted, verdict, key, bin, min(min) AS min, sum(n)::int AS n
FROM calibration_version_counts
WHERE project_id = $1 AND versions @> $2::text[] AND ($3::boolean OR NOT is_gold)
GROUP BY version, task, subtask, accepted, verdict, key, bin`;

const VERSIONS_SQL = `SELECT DISTINCT unnest(versions) AS version FROM calibration_version_counts WHERE project_id = $1 ORDER BY 1`;

type TRunRow = {
  published_at: Date | null;
  published_pairs: string | number;
  published_rule: string | null;
  published_scales: unknown;
  run_started_at: Date | null;
  run_cursor: string | number | null;
  run_first_id: string | number | null;
  run_last_id: string | number | null;
};

function runProgress(r: TRunRow): number {
  if (r.run_cursor === null) return 0;
  const [first, last, cursor] = [Number(r.run_first_id ?? 0), Number(r.run_last_id ?? 0), Number(r.run_cursor)];
  if (last <= first) return cursor >= last ? 1 : 0;
  return Math.min(1, Math.max(0, (cursor - first + 1) / (last - first + 1)));
}

export interface TRefreshStep {
  /** The run finished: the summary is published. */
  done: boolean;
  /** Share of the final pairs' id range done, 0–1. */
  progress: number;
}

/**
 * One step of computing the summary: starts a run when none is under way (or `restart`), groups the next
 * STEP_PAIRS final pairs, and publishes when the last is done. Call until `done`.
 */
export async function stepVersionSummary(db: Db, projectId: number, opts: { restart?: boolean; stepPairs?: number } = {}): Promise<TRefreshStep | null> {
  return db.transaction(async (tx) => {
    const [project] = await tx.query<{ verifier_rule: string; verifier_scales: unknown }>(
      "SELECT verifier_rule, verifier_scales FROM projects WHERE id = $1 FOR SHARE", [projectId]);
    if (!project) return null;
    await tx.query("INSERT INTO calibration_version_runs (project_id) VALUES ($1) ON CONFLICT (project_id) DO NOTHING", [projectId]);
    let [run] = await tx.query<TRunRow & { run_rule: string | null; run_scales: unknown }>(
      "SELECT * FROM calibration_version_runs WHERE project_id = $1 FOR UPDATE", [projectId]);
    if (run!.run_cursor === null || opts.restart) {
      await tx.query("DELETE FROM calibration_version_partials WHERE project_id = $1", [projectId]);
      [run] = await tx.query<TRunRow & { run_rule: string | null; run_scales: unknown }>(
        `UPDATE calibration_version_runs r SET run_started_at = now(), run_cursor = coalesce(b.first - 1, 0), run_first_id = b.first,
                run_last_id = coalesce(b.last, 0), run_pairs = 0, run_rule = $2, run_scales = $3::jsonb, updated_at = now()
           FROM (SELECT min(id) AS first, max(id) AS last FROM pairs WHERE project_id = $1 AND final_decision IS NOT NULL) b
          WHERE r.project_id = $1 RETURNING r.*`,
        [projectId, project.verifier_rule, JSON.stringify(project.verifier_scales ?? [])]);
    }
    const cursor = Number(run!.run_cursor);
    const last = Number(run!.run_last_id);
    if (cursor < last) {
      const [bound] = await tx.query<{ id: string | null }>(
        `SELECT max(id)::text AS id FROM (SELECT id FROM pairs WHERE project_id = $1 AND final_decision IS NOT NULL AND id > $2 AND id <= $3
                                              ORDER BY id LIMIT $4) s`,
        [projectId, cursor, last, opts.stepPairs ?? STEP_PAIRS]);
      const upTo = bound?.id === null || bound?.id === undefined ? last : Number(bound.id);
      const scales = parseVerifierScales(run!.run_scales);
      // The step's groups are few but its rows many: grouped in memory rather than sorted on disk.
      await tx.query("SET LOCAL work_mem = '128MB'");
      await tx.query(STEP_SQL, [projectId, cursor, upTo, run!.run_rule ?? "auto", JSON.stringify(run!.run_scales ?? []),
        scales.map((s) => s.key), scales.map((s) => s.higherIsBetter)]);
      [run] = await tx.query<TRunRow & { run_rule: string | null; run_scales: unknown }>(
        "UPDATE calibration_version_runs SET run_cursor = $2, updated_at = now() WHERE project_id = $1 RETURNING *", [projectId, upTo]);
      if (upTo < last) return { done: false, progress: runProgress(run!) };
    }
    await tx.query("DELETE FROM calibration_version_counts WHERE project_id = $1", [projectId]);
    await tx.query(PUBLISH_SQL, [projectId]);
    await tx.query("DELETE FROM calibration_version_partials WHERE project_id = $1", [projectId]);
    await tx.query(
      `UPDATE calibration_version_runs SET published_at = run_started_at, published_rule = run_rule, published_scales = run_scales,
              published_pairs = (SELECT coalesce(sum(n::float8 / cardinality(versions)), 0)::bigint FROM calibration_version_counts
                                  WHERE project_id = $1 AND key = ''),
              run_started_at = NULL, run_cursor = NULL, run_first_id = NULL, run_last_id = NULL, run_rule = NULL, run_scales = NULL,
              updated_at = now()
        WHERE project_id = $1`,
      [projectId]);
    return { done: true, progress: 1 };
  });
}

/** Computes the whole summary now (the CLI, tests); the page steps through it with its progress shown. */
export async function refreshVersionSummary(db: Db, projectId: number, opts: { stepPairs?: number } = {}): Promise<number> {
  let steps = 1;
  let step = await stepVersionSummary(db, projectId, { restart: true, stepPairs: opts.stepPairs });
  for (; step && !step.done; steps++) step = await stepVersionSummary(db, projectId, { stepPairs: opts.stepPairs });
  return steps;
}

export async function getVersionComparison(db: Db, projectId: number, filter: TVersionFilter): Promise<TVersionComparison | null> {
  const p = await db.prisma.project.findUnique({
    where: { id: projectId },
    select: { id: true, name: true, verifierRule: true, verifierScales: true, verifierVersion: true },
  });
  if (!p) return null;
  const [[run], available] = await Promise.all([
    db.query<TRunRow & { age: number | null }>(
      "SELECT *, extract(epoch FROM now() - published_at)::float8 AS age FROM calibration_version_runs WHERE project_id = $1", [projectId]),
    db.query<{ version: string }>(VERSIONS_SQL, [projectId]),
  ]);
  const versions = available.map((v) => v.version);
  const chosen = filter.versions?.filter((v) => versions.includes(v)) ?? [];
  const compared = chosen.length > 0 ? chosen : versions;
  const rows = compared.length === 0 ? [] : await db.query<TVersionCountRow>(READ_SQL, [projectId, compared, filter.includeGold]);
  const scales = parseVerifierScales(run?.published_scales ?? p.verifierScales);
  const summary: TVersionSummary = {
    computedAt: run?.published_at ? new Date(run.published_at).toISOString() : null,
    ageSeconds: run?.age == null ? null : Math.max(0, Math.round(Number(run.age))),
    pairs: Number(run?.published_pairs ?? 0),
    ruleChanged: run?.published_at != null &&
      (run.published_rule !== p.verifierRule || JSON.stringify(run.published_scales) !== JSON.stringify(p.verifierScales)),
    running: run?.run_cursor != null ? { startedAt: new Date(run.run_started_at!).toISOString(), progress: runProgress(run) } : null,
  };
  return {
    project: { id: p.id, name: p.name, verifierRule: p.verifierRule as TVerifierRule, activeVersion: p.verifierVersion },
    ...buildVersionComparison({
      filter: { ...filter, versions: compared },
      summary,
      versions,
      columns: scales.map((s) => ({ key: s.key, label: s.label, short: shortLabel(s), higherIsBetter: s.higherIsBetter })),
      rows: rows.map((r) => ({ ...r, bin: Number(r.bin), min: r.min === null ? null : Number(r.min), n: Number(r.n) })),
    }),
  };
}
