import "server-only";
import type { Db } from "../db/connect";
import type { TInt8 } from "../db/sql";
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

/** Per annotator who has labelled in the project or has a pause row. */
export async function getStandings(db: Db, projectId: number): Promise<TStandings> {
  const settings = await db.prisma.project.findUnique({
    where: { id: projectId },
    select: { goldMinCount: true, goldAccuracyThreshold: true },
  });
  if (!settings) return { goldMinCount: 0, goldAccuracyThreshold: 0, annotators: [] };
  // Two statements: the totals are one scan of the project's labels joined to their pairs, the people a few
  // index probes each. Grouping by clock hour inside that scan gives the rate without a per-person heap pass.
  const totals = await db.query<Totals>(`
    WITH per_hour AS (
      SELECT b.annotator_id,
             CASE WHEN b.created_at > now() - make_interval(days => $1)
                  THEN date_trunc('hour', b.created_at AT TIME ZONE 'UTC') END AS hour,
             count(*) AS labels,
             count(*) FILTER (WHERE p.status = 'final' AND NOT p.is_gold) AS final_labels,
             count(*) FILTER (WHERE p.status = 'final' AND NOT p.is_gold AND b.decision = p.final_decision) AS agreeing,
             count(*) FILTER (WHERE b.gold_correct IS NOT NULL AND p.gold_active) AS life_checks,
             count(*) FILTER (WHERE b.gold_correct AND p.gold_active) AS life_correct
      FROM labels b JOIN pairs p ON p.id = b.pair_id
      WHERE b.project_id = $2
      GROUP BY 1, 2
    )
    SELECT annotator_id, sum(labels)::bigint AS labels, sum(final_labels)::bigint AS final_labels, sum(agreeing)::bigint AS agreeing,
           sum(life_checks)::bigint AS life_checks, sum(life_correct)::bigint AS life_correct,
           coalesce(sum(labels) FILTER (WHERE hour IS NOT NULL), 0)::bigint AS recent, count(hour) AS hours
    FROM per_hour GROUP BY annotator_id`, [RATE_DAYS, projectId]);
  const byUser = new Map(totals.map((t) => [t.annotator_id, t]));
  // Per person, a few index probes each: labels_gold_idx for gold since the lift, labels(annotator_id,
  // created_at) backwards for the recent median, the audit row of a pause for who paused.
  const people = await db.query<Person>(`
    WITH people AS (
      SELECT unnest($1::int[]) AS user_id
      UNION
      SELECT user_id FROM project_annotators WHERE project_id = $2
    )
    SELECT u.id AS user_id, u.name, u.email, g.checks, g.correct, m.median,
           loupe_pause_due(g.checks, g.correct, pr.gold_min_count, pr.gold_accuracy_threshold) AS rule_applies,
           -- A skipped gold pair is a missed check (loupe_gold_accuracy counts it too).
           (SELECT count(*)::int FROM skips s JOIN pairs sp ON sp.id = s.pair_id
            WHERE s.annotator_id = u.id AND sp.project_id = $2 AND sp.gold_active) AS life_skips,
           pa.paused_at, pa.pause_reason, pe.paused_by_rule, pa.lifted_at, lu.name AS lifted_by
    FROM people x
    JOIN users u ON u.id = x.user_id
    JOIN projects pr ON pr.id = $2
    LEFT JOIN project_annotators pa ON pa.project_id = $2 AND pa.user_id = u.id
    LEFT JOIN users lu ON lu.id = pa.lifted_by
    CROSS JOIN LATERAL loupe_gold_accuracy($2, u.id) g
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
    ) pe ON true`, [[...byUser.keys()], projectId, MEDIAN_WINDOW, String(projectId)]);
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
  annotators.sort(
    (a, b) => Number(Boolean(b.pause)) - Number(Boolean(a.pause)) || b.labels - a.labels || a.name.localeCompare(b.name),
  );
  return { goldMinCount: minCount, goldAccuracyThreshold: threshold, annotators };
}
