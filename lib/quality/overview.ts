import "server-only";
import type { Db } from "../db/connect";
import type { TInt8 } from "../db/sql";
import { KEPT_DAYS, KEPT_HOURS, KEPT_TALLIES } from "./kept";
import { ROUTING_REASONS } from "./routing";

/** Throughput charts look this many days back (today included). */
export const THROUGHPUT_DAYS = 30;

export interface TPairCounts {
  open: number;
  /** All labels in, consensus not yet computed: only seen for an instant inside the label trigger. */
  labelled: number;
  inReview: number;
  final: number;
  /** Active gold pairs (final from the start, so also counted in `final`). */
  gold: number;
  labels: number;
}

/** From project_counts and pair_tallies (kept by triggers, never count(*) over 10M pairs). */
export async function getPairCounts(db: Db, projectId: number): Promise<TPairCounts> {
  const [r] = await db.query<{ open: TInt8 | null; labelled: TInt8 | null; in_review: TInt8 | null; final: TInt8 | null; labels: TInt8 | null; gold: TInt8 }>(`
    SELECT sum(open)::bigint AS open, sum(labelled)::bigint AS labelled, sum(in_review)::bigint AS in_review,
           sum(final)::bigint AS final, sum(labels)::bigint AS labels,
           (SELECT coalesce(sum(pairs), 0)::bigint FROM ${KEPT_TALLIES} t WHERE project_id = $1 AND gold_active) AS gold
    FROM project_counts WHERE project_id = $1`, [projectId]);
  return {
    open: Number(r?.open ?? 0),
    labelled: Number(r?.labelled ?? 0),
    inReview: Number(r?.in_review ?? 0),
    final: Number(r?.final ?? 0),
    gold: Number(r?.gold ?? 0),
    labels: Number(r?.labels ?? 0),
  };
}

export interface TThroughputDay {
  /** YYYY-MM-DD, a UTC day. */
  day: string;
  labels: number;
  adjudications: number;
}

/**
 * Labels and adjudications per UTC day, from the kept rollups: label_hours (labels per annotator and hour)
 * and quality_days (review.adjudicate audit rows per day), so the chart reads a month of rows, whatever
 * the project's size.
 */
export async function getThroughput(db: Db, projectId: number): Promise<TThroughputDay[]> {
  const rows = await db.query<{ day: string; labels: TInt8; adjudications: TInt8 }>(`
    WITH bounds AS (
      SELECT (date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => $1)) AS first_day
    ), days AS (
      SELECT generate_series((SELECT first_day FROM bounds), date_trunc('day', now() AT TIME ZONE 'UTC'), interval '1 day') AS day
    ), l AS (
      SELECT date_trunc('day', hour) AS day, sum(labels) AS n
      FROM ${KEPT_HOURS} h
      WHERE project_id = $2 AND hour >= (SELECT first_day FROM bounds)
      GROUP BY 1
    ), a AS (
      SELECT day::timestamp AS day, sum(adjudications) AS n
      FROM ${KEPT_DAYS} q
      WHERE project_id = $2 AND day >= (SELECT first_day FROM bounds)::date
      GROUP BY 1
    )
    SELECT to_char(d.day, 'YYYY-MM-DD') AS day, coalesce(l.n, 0) AS labels, coalesce(a.n, 0) AS adjudications
    FROM days d LEFT JOIN l ON l.day = d.day LEFT JOIN a ON a.day = d.day
    ORDER BY d.day`, [THROUGHPUT_DAYS - 1, projectId]);
  return rows.map((r) => ({ day: r.day, labels: Number(r.labels), adjudications: Number(r.adjudications) }));
}

export interface TReviewReasonCount {
  reason: string;
  pairs: number;
}

/** In-review pairs per routing reason (a pair with two reasons counts under both), from pair_tallies. */
export async function getReviewReasonCounts(db: Db, projectId: number): Promise<TReviewReasonCount[]> {
  const rows = await db.query<{ reason: string; pairs: TInt8 }>(`
    SELECT r.reason, sum(t.pairs)::bigint AS pairs
    FROM ${KEPT_TALLIES} t CROSS JOIN LATERAL unnest(t.review_reasons) AS r(reason)
    WHERE t.project_id = $1 AND t.status = 'in_review'
    GROUP BY r.reason HAVING sum(t.pairs) <> 0`, [projectId]);
  const found = new Map(rows.map((r) => [r.reason, Number(r.pairs)]));
  const known = ROUTING_REASONS.map((reason) => ({ reason, pairs: found.get(reason) ?? 0 }));
  const other = rows.filter((r) => !(ROUTING_REASONS as readonly string[]).includes(r.reason)).map((r) => ({ reason: r.reason, pairs: Number(r.pairs) }));
  return [...known, ...other];
}

/** In-review and final pairs per project for the admin's project list (project_counts only). */
export async function getProjectQualityCounts(db: Db): Promise<Map<number, { inReview: number; final: number }>> {
  const rows = await db.query<{ project_id: number; in_review: TInt8; final: TInt8 }>(`
    SELECT project_id, sum(in_review)::bigint AS in_review, sum(final)::bigint AS final FROM project_counts GROUP BY project_id`);
  return new Map(rows.map((r) => [r.project_id, { inReview: Number(r.in_review), final: Number(r.final) }]));
}
