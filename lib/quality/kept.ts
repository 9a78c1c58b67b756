import "server-only";
import type { Db } from "../db/connect";

// Kept figures (docs/decisions/026-kept-figures.md; tables of migration 20261206143000_aggregates, kept by
// lib/quality/sql/aggregates.sql). The figures several annotators move at once are appended as signed rows
// to *_delta tables, so a submit takes no lock on a shared counter; a reader adds the deltas to the kept
// rows in one statement (one snapshot, so exact), and foldKept moves the deltas into the kept rows.
// label_hours and quality_days keep no zero rows out: an hour emptied by undo stays, with 0.

/** The kept rows plus the deltas not yet folded, as one relation to filter and sum. */
export const KEPT_TOTALS = `(SELECT project_id, annotator_id, labels, open_labels, final_labels, agreeing, gold_checks, gold_correct FROM annotator_totals
  UNION ALL SELECT project_id, annotator_id, labels, open_labels, final_labels, agreeing, gold_checks, gold_correct FROM annotator_totals_delta)`;
export const KEPT_HOURS = `(SELECT project_id, annotator_id, hour, labels FROM label_hours
  UNION ALL SELECT project_id, annotator_id, hour, labels FROM label_hours_delta)`;
export const KEPT_DAYS = `(SELECT project_id, day, adjudications FROM quality_days UNION ALL SELECT project_id, day, adjudications FROM quality_days_delta)`;
export const KEPT_CELLS = `(SELECT project_id, a_id, b_id, da, db, n FROM agreement_cells
  UNION ALL SELECT project_id, a_id, b_id, da, db, n FROM agreement_cells_delta)`;
export const KEPT_SHAPES = `(SELECT project_id, task, subtask, x, y, z, sets, units FROM agreement_shapes
  UNION ALL SELECT project_id, task, subtask, x, y, z, sets, units FROM agreement_shapes_delta)`;
export const KEPT_CALIBRATION_SCOPES = `(SELECT project_id, task, subtask, is_gold, valid, keep, accepted, pairs FROM calibration_scopes
  UNION ALL SELECT project_id, task, subtask, is_gold, valid, keep, accepted, pairs FROM calibration_scopes_delta)`;
export const KEPT_CALIBRATION_BINS = `(SELECT project_id, task, subtask, is_gold, accepted, key, bin, lo, hi, pairs FROM calibration_bins
  UNION ALL SELECT project_id, task, subtask, is_gold, accepted, key, bin, lo, hi, pairs FROM calibration_bins_delta)`;
export const KEPT_GOLD_SUMMARY = `(SELECT project_id, checks, correct, suspect FROM gold_summary
  UNION ALL SELECT project_id, checks, correct, suspect FROM gold_summary_delta)`;
export const KEPT_TALLIES = `(SELECT project_id, status, task, subtask, final_decision, is_gold, gold_active, review_reasons, pairs FROM pair_tallies
  UNION ALL SELECT project_id, status, task, subtask, final_decision, is_gold, gold_active, review_reasons, pairs FROM pair_tallies_delta)`;

// Orphaned deltas (their project deleted) are dropped by the EXISTS: the kept tables reference projects.
const FOLDS = [
  `WITH d AS (DELETE FROM annotator_totals_delta RETURNING *)
   INSERT INTO annotator_totals AS t (project_id, annotator_id, labels, open_labels, final_labels, agreeing, gold_checks, gold_correct)
   SELECT project_id, annotator_id, sum(labels), sum(open_labels), sum(final_labels), sum(agreeing), sum(gold_checks), sum(gold_correct)
   FROM d WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = d.project_id) GROUP BY 1, 2
   ON CONFLICT (project_id, annotator_id) DO UPDATE SET labels = t.labels + EXCLUDED.labels, open_labels = t.open_labels + EXCLUDED.open_labels,
     final_labels = t.final_labels + EXCLUDED.final_labels, agreeing = t.agreeing + EXCLUDED.agreeing,
     gold_checks = t.gold_checks + EXCLUDED.gold_checks, gold_correct = t.gold_correct + EXCLUDED.gold_correct`,
  `WITH d AS (DELETE FROM label_hours_delta RETURNING *)
   INSERT INTO label_hours AS h (project_id, annotator_id, hour, labels)
   SELECT project_id, annotator_id, hour, sum(labels) FROM d WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = d.project_id) GROUP BY 1, 2, 3
   ON CONFLICT (project_id, hour, annotator_id) DO UPDATE SET labels = h.labels + EXCLUDED.labels`,
  `WITH d AS (DELETE FROM quality_days_delta RETURNING *)
   INSERT INTO quality_days AS q (project_id, day, adjudications)
   SELECT project_id, day, sum(adjudications) FROM d WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = d.project_id) GROUP BY 1, 2
   ON CONFLICT (project_id, day) DO UPDATE SET adjudications = q.adjudications + EXCLUDED.adjudications`,
  `WITH d AS (DELETE FROM agreement_cells_delta RETURNING *)
   INSERT INTO agreement_cells AS c (project_id, a_id, b_id, da, db, n)
   SELECT project_id, a_id, b_id, da, db, sum(n) FROM d WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = d.project_id) GROUP BY 1, 2, 3, 4, 5
   ON CONFLICT (project_id, a_id, b_id, da, db) DO UPDATE SET n = c.n + EXCLUDED.n`,
  `WITH d AS (DELETE FROM agreement_shapes_delta RETURNING *)
   INSERT INTO agreement_shapes AS s (project_id, shard, task, subtask, x, y, z, sets, units)
   SELECT project_id, shard, task, subtask, x, y, z, sets, sum(units) FROM d
   WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = d.project_id) GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
   ON CONFLICT (project_id, shard, task, subtask, x, y, z, sets) DO UPDATE SET units = s.units + EXCLUDED.units`,
  `WITH d AS (DELETE FROM pair_tallies_delta RETURNING *)
   INSERT INTO pair_tallies AS t (project_id, shard, status, task, subtask, final_decision, is_gold, gold_active, review_reasons, pairs)
   SELECT project_id, shard, status, task, subtask, final_decision, is_gold, gold_active, review_reasons, sum(pairs) FROM d
   WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = d.project_id) GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
   ON CONFLICT (project_id, shard, status, task, subtask, final_decision, is_gold, gold_active, review_reasons) DO UPDATE SET pairs = t.pairs + EXCLUDED.pairs`,
  // Calibration (lib/calibration/sql/kept.sql): a bin's lo and hi are the extremes it has held, so a fold
  // widens them and never narrows them (decision 031 says why that is still an exact threshold).
  `WITH d AS (DELETE FROM calibration_scopes_delta RETURNING *)
   INSERT INTO calibration_scopes AS t (project_id, task, subtask, is_gold, valid, keep, accepted, pairs)
   SELECT project_id, task, subtask, is_gold, valid, keep, accepted, sum(pairs) FROM d
   WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = d.project_id) GROUP BY 1, 2, 3, 4, 5, 6, 7
   ON CONFLICT (project_id, task, subtask, is_gold, valid, keep, accepted) DO UPDATE SET pairs = t.pairs + EXCLUDED.pairs`,
  `WITH d AS (DELETE FROM calibration_bins_delta RETURNING *)
   INSERT INTO calibration_bins AS t (project_id, task, subtask, is_gold, accepted, key, bin, lo, hi, pairs)
   SELECT project_id, task, subtask, is_gold, accepted, key, bin, min(lo), max(hi), sum(pairs) FROM d
   WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = d.project_id) GROUP BY 1, 2, 3, 4, 5, 6, 7
   ON CONFLICT (project_id, task, subtask, is_gold, accepted, key, bin)
   DO UPDATE SET pairs = t.pairs + EXCLUDED.pairs, lo = least(t.lo, EXCLUDED.lo), hi = greatest(t.hi, EXCLUDED.hi)`,
  `WITH d AS (DELETE FROM gold_summary_delta RETURNING *)
   INSERT INTO gold_summary AS g (project_id, checks, correct, suspect)
   SELECT project_id, sum(checks), sum(correct), sum(suspect) FROM d WHERE EXISTS (SELECT 1 FROM projects p WHERE p.id = d.project_id) GROUP BY 1
   ON CONFLICT (project_id) DO UPDATE SET checks = g.checks + EXCLUDED.checks, correct = g.correct + EXCLUDED.correct, suspect = g.suspect + EXCLUDED.suspect`,
  // Emptied rows would only lengthen the readers' scans.
  `DELETE FROM agreement_cells WHERE n = 0`,
  `DELETE FROM agreement_shapes WHERE units = 0`,
  `DELETE FROM pair_tallies WHERE pairs = 0`,
  `DELETE FROM calibration_scopes WHERE pairs = 0`,
  `DELETE FROM calibration_bins WHERE pairs = 0`,
];

/** An advisory lock key of its own (the two-int form, class 0x4c4b = "LK"). */
const FOLD_LOCK = [0x4c4b, 1] as const;

/**
 * Moves the deltas into the kept rows, when no other process is doing it already (then this one returns at
 * once: readers are exact either way). The pages that read kept figures call it first, so the deltas a
 * reader adds up stay as few as the writes since the last page load.
 */
export async function foldKept(db: Db): Promise<boolean> {
  return db.transaction(async (tx) => {
    const [lock] = await tx.query<{ ok: boolean }>(`SELECT pg_try_advisory_xact_lock($1, $2) AS ok`, [...FOLD_LOCK]);
    if (!lock?.ok) return false;
    for (const sql of FOLDS) await tx.query(sql);
    return true;
  });
}

/**
 * The worker's sweep (every 30 s) folds too, so the deltas stay few on projects whose pages nobody opens
 * while annotators work.
 */
export async function sweepKept(db: Db): Promise<number> {
  return (await foldKept(db)) ? 1 : 0;
}
