import "server-only";
import type { Db } from "../db/connect";
import type { TInt8 } from "../db/sql";
import { KEPT_HOURS, KEPT_TOTALS } from "./kept";
import type { TStanding, TStandings } from "./standings-types";

/** How many of an annotator's most recent labels in the project the median time is taken over. */
export const MEDIAN_WINDOW = 1_000;
export const RATE_DAYS = 30;

type Totals = {
  annotator_id: number;
  labels: TInt8;
  final_labels: TInt8;
  agreeing: TInt8;
  life_checks: TInt8;
  life_correct: TInt8;
  recent: TInt8;
  hours: TInt8;
};
type Person = {
  user_id: number;
  name: string;
  email: string;
  checks: number;
  correct: number;
  median: number | null;
  rule_applies: boolean;
  life_skips: number;
  paused_at: Date | null;
  pause_reason: string | null;
  paused_by_rule: boolean | null;
  lifted_at: Date | null;
  lifted_by: string | null;
};
type Row = Person & { [K in Exclude<keyof Totals, "annotator_id">]: Totals[K] | null };

/** Where a page of standings starts: after this annotator in (labels descending, user id) order. */
export interface TStandingsCursor {
  labels: number;
  userId: number;
}

export const STANDINGS_PAGE = 50;

/**
 * One page of annotators who have labelled in the project or have a pause row, most labels first. The
 * totals come from annotator_totals and label_hours (kept by lib/quality/sql/aggregates.sql), so a page
 * reads one row per annotator of the project and probes only the people it shows.
 */
export async function getStandings(
  db: Db,
  projectId: number,
  /** only: these annotators (the paused banner's), on one page. */
  page: { after?: TStandingsCursor | null; limit?: number; only?: number[] } = {},
): Promise<TStandings> {
  const settings = await db.prisma.project.findUnique({
    where: { id: projectId },
    select: { goldMinCount: true, goldAccuracyThreshold: true },
  });
  if (!settings) return { goldMinCount: 0, goldAccuracyThreshold: 0, annotators: [], next: null };
  const limit = page.only ? page.only.length : (page.limit ?? STANDINGS_PAGE);
  const after = page.after ?? null;
  const totals = await db.query<Totals>(`
    WITH t AS (
      SELECT annotator_id, sum(labels) AS labels, sum(final_labels) AS final_labels, sum(agreeing) AS agreeing,
             sum(gold_checks) AS life_checks, sum(gold_correct) AS life_correct
      FROM ${KEPT_TOTALS} k WHERE project_id = $1 GROUP BY annotator_id
    ), people AS (
      SELECT coalesce(t.annotator_id, pa.user_id) AS annotator_id, coalesce(t.labels, 0)::bigint AS labels,
             coalesce(t.final_labels, 0)::bigint AS final_labels, coalesce(t.agreeing, 0)::bigint AS agreeing,
             coalesce(t.life_checks, 0)::bigint AS life_checks, coalesce(t.life_correct, 0)::bigint AS life_correct
      FROM t FULL JOIN (SELECT user_id FROM project_annotators WHERE project_id = $1) pa ON pa.user_id = t.annotator_id
      WHERE (coalesce(t.labels, 0) > 0 OR pa.user_id IS NOT NULL)
    ), page AS (
      SELECT * FROM people
      WHERE ($2::bigint IS NULL OR labels < $2::bigint OR (labels = $2::bigint AND annotator_id > $3::int))
        AND ($6::int[] IS NULL OR annotator_id = ANY($6::int[]))
      ORDER BY labels DESC, annotator_id
      LIMIT $4
    )
    SELECT page.*, coalesce(h.recent, 0)::bigint AS recent, coalesce(h.hours, 0)::bigint AS hours
    FROM page LEFT JOIN LATERAL (
      SELECT sum(labels) AS recent, count(*) FILTER (WHERE labels > 0) AS hours FROM (
        SELECT hour, sum(labels) AS labels FROM ${KEPT_HOURS} k
        WHERE project_id = $1 AND annotator_id = page.annotator_id
          AND hour >= date_trunc('hour', (now() AT TIME ZONE 'UTC') - make_interval(days => $5))
        GROUP BY hour) x
    ) h ON true
    ORDER BY page.labels DESC, page.annotator_id`, [projectId, after?.labels ?? null, after?.userId ?? 0, limit + 1, RATE_DAYS, page.only ?? null]);
  const more = totals.length > limit;
  const shown = totals.slice(0, limit);
  const byUser = new Map(shown.map((t) => [t.annotator_id, t]));
  // Per person, a few index probes each: labels(annotator_id, created_at) backwards for the recent median,
  // their skips, the audit row of a pause for who paused. Gold accuracy since the last lift: for someone never lifted that is their lifetime figure, kept in
  // annotator_totals (scored labels on active gold) plus their skips of active gold pairs, so the page
  // counts nothing per label; loupe_gold_accuracy (what the pause trigger asks) only for people lifted.
  const shownIds = [...byUser.keys()];
  const people = await db.query<Person>(`
    WITH people AS (SELECT unnest($1::int[]) AS user_id, unnest($5::bigint[]) AS life_checks, unnest($6::bigint[]) AS life_correct)
    SELECT u.id AS user_id, u.name, u.email, g.checks, g.correct, m.median,
           loupe_pause_due(g.checks, g.correct, pr.gold_min_count, pr.gold_accuracy_threshold) AS rule_applies,
           sk.n AS life_skips,
           pa.paused_at, pa.pause_reason, pe.paused_by_rule, pa.lifted_at, lu.name AS lifted_by
    FROM people x
    JOIN users u ON u.id = x.user_id
    JOIN projects pr ON pr.id = $2
    LEFT JOIN project_annotators pa ON pa.project_id = $2 AND pa.user_id = u.id
    LEFT JOIN users lu ON lu.id = pa.lifted_by
    -- A skipped gold pair is a missed check (loupe_gold_accuracy counts it too).
    CROSS JOIN LATERAL (
      SELECT count(*)::int AS n FROM skips s JOIN pairs sp ON sp.id = s.pair_id
      WHERE s.annotator_id = u.id AND sp.project_id = $2 AND sp.gold_active) sk
    CROSS JOIN LATERAL (
      SELECT a.checks, a.correct FROM loupe_gold_accuracy($2, u.id) a WHERE pa.lifted_at IS NOT NULL
      UNION ALL
      SELECT (x.life_checks + sk.n)::int, x.life_correct::int WHERE pa.lifted_at IS NULL) g
    LEFT JOIN LATERAL (
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY r.seconds_spent) AS median
      FROM (SELECT seconds_spent FROM labels
            WHERE annotator_id = u.id AND project_id = $2
            ORDER BY created_at DESC LIMIT $3) r
    ) m ON true
    -- The gold trigger writes the pause's audit row with no actor, an admin with theirs.
    LEFT JOIN LATERAL (
      SELECT e.actor_id IS NULL AS paused_by_rule FROM audit_events e
      WHERE pa.paused_at IS NOT NULL AND e.action = 'annotator.paused' AND e.subject_type = 'user'
        AND e.subject_id = u.id::text AND e.created_at >= pa.paused_at
        AND e.data->>'projectId' = $4
      ORDER BY e.created_at LIMIT 1
    ) pe ON true`, [shownIds, projectId, MEDIAN_WINDOW, String(projectId),
      shownIds.map((id) => String(byUser.get(id)!.life_checks)), shownIds.map((id) => String(byUser.get(id)!.life_correct))]);
  const rows: Row[] = people.map((p) => {
    const t = byUser.get(p.user_id);
    return {
      ...p,
      labels: t?.labels ?? null,
      final_labels: t?.final_labels ?? null,
      agreeing: t?.agreeing ?? null,
      life_checks: t?.life_checks ?? null,
      life_correct: t?.life_correct ?? null,
      recent: t?.recent ?? null,
      hours: t?.hours ?? null,
    };
  });
  const minCount = settings.goldMinCount;
  const threshold = Number(settings.goldAccuracyThreshold.toPrecision(6));
  const annotators = rows.map((r): TStanding => {
    const finalLabels = Number(r.final_labels ?? 0);
    const agreeing = Number(r.agreeing ?? 0);
    const recent = Number(r.recent ?? 0);
    const hours = Number(r.hours ?? 0);
    const accuracy = r.checks > 0 ? r.correct / r.checks : null;
    return {
      userId: r.user_id,
      name: r.name,
      email: r.email,
      labels: Number(r.labels ?? 0),
      goldChecks: r.checks,
      goldCorrect: r.correct,
      goldAccuracy: accuracy,
      lifetimeGoldChecks: Number(r.life_checks ?? 0) + r.life_skips,
      lifetimeGoldCorrect: Number(r.life_correct ?? 0),
      finalLabels,
      agreeing,
      agreement: finalLabels > 0 ? agreeing / finalLabels : null,
      medianSeconds: r.median === null ? null : Number(r.median),
      labelsPerHour: hours > 0 ? recent / hours : null,
      checksToGo: Math.max(0, minCount - r.checks),
      ruleApplies: r.rule_applies,
      pause: r.paused_at ? { pausedAt: r.paused_at, reason: r.pause_reason, byRule: r.paused_by_rule ?? false } : null,
      lastLift: r.lifted_at ? { liftedAt: r.lifted_at, liftedBy: r.lifted_by } : null,
    };
  });
  annotators.sort((a, b) => b.labels - a.labels || a.userId - b.userId);
  const last = annotators[annotators.length - 1];
  return {
    goldMinCount: minCount,
    goldAccuracyThreshold: threshold,
    annotators,
    next: more && last ? { labels: last.labels, userId: last.userId } : null,
  };
}

/** The annotators paused in the project now, with their standing (the quality page's banner). */
export async function getPausedStandings(db: Db, projectId: number): Promise<TStanding[]> {
  const paused = await db.query<{ user_id: number }>(
    `SELECT user_id FROM project_annotators WHERE project_id = $1 AND paused_at IS NOT NULL ORDER BY user_id`,
    [projectId],
  );
  if (paused.length === 0) return [];
  return (await getStandings(db, projectId, { only: paused.map((p) => p.user_id) })).annotators;
}
