import "server-only";
import type { Db } from "../db/connect";
import type { TInt8 } from "../db/sql";
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

/** From project_counts (kept by triggers, never count(*) over 10M pairs) and the gold index. */
export async function getPairCounts(db: Db, projectId: number): Promise<TPairCounts> {
  const [r] = await db.query<{ open: TInt8 | null; labelled: TInt8 | null; in_review: TInt8 | null; final: TInt8 | null; labels: TInt8 | null; gold: TInt8 }>(`
    SELECT sum(open)::bigint AS open, sum(labelled)::bigint AS labelled, sum(in_review)::bigint AS in_review,
           sum(final)::bigint AS final, sum(labels)::bigint AS labels,
           (SELECT count(*) FROM pairs WHERE project_id = $1 AND gold_active) AS gold
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

/** Labels and adjudications per UTC day; adjudications from audit rows, as pairs have no index on reviewed_at. */
export async function getThroughput(db: Db, projectId: number): Promise<TThroughputDay[]> {
  const rows = await db.query<{ day: string; labels: TInt8; adjudications: TInt8 }>(`
    WITH bounds AS (
      SELECT (date_trunc('day', now() AT TIME ZONE 'UTC') - make_interval(days => $1)) AS first_day
    ), days AS (
      SELECT generate_series((SELECT first_day FROM bounds), date_trunc('day', now() AT TIME ZONE 'UTC'), interval '1 day') AS day
    ), l AS (
      SELECT date_trunc('day', created_at AT TIME ZONE 'UTC') AS day, count(*) AS n
      FROM labels
      WHERE project_id = $2 AND created_at >= ((SELECT first_day FROM bounds) AT TIME ZONE 'UTC')
      GROUP BY 1
    ), a AS (
      SELECT date_trunc('day', e.created_at AT TIME ZONE 'UTC') AS day, count(*) AS n
      FROM audit_events e
      JOIN pairs p ON p.id = (CASE WHEN e.subject_id ~ '^[0-9]{1,18}$' THEN e.subject_id::bigint END)
      WHERE e.action = 'review.adjudicate' AND e.subject_type = 'pair'
        AND e.created_at >= ((SELECT first_day FROM bounds) AT TIME ZONE 'UTC') AND p.project_id = $2
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

/** In-review pairs per routing reason (a pair with two reasons counts under both), over pairs_review_idx. */
export async function getReviewReasonCounts(db: Db, projectId: number): Promise<TReviewReasonCount[]> {
  const rows = await db.query<{ reason: string; pairs: TInt8 }>(`
    SELECT r.reason, count(*) AS pairs
    FROM pairs p CROSS JOIN LATERAL unnest(p.review_reasons) AS r(reason)
    WHERE p.project_id = $1 AND p.status = 'in_review'
    GROUP BY r.reason`, [projectId]);
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
