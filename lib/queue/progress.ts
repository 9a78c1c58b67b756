import "server-only";
import type { Db } from "../db/connect";
import { NotFoundError } from "../errors";
import type { TProgress } from "./types";

export type { TProgress } from "./types";

/**
 * `timeZone` is the annotator's IANA zone, so "today" means their day, not the server's. Every figure is
 * read from kept counters or a bounded range, never a scan of the project: project_counts (pairs by
 * status), annotator_totals and its deltas (the annotator's labels, and how many sit on pairs still
 * open; lib/quality/sql/aggregates.sql), today's labels from their kept UTC hours (label_hours and its
 * deltas) since the first whole hour after their midnight, plus, in a zone whose midnight falls inside an
 * hour, the labels of that part hour over labels(annotator_id, created_at), and the annotator's own skips.
 */
export async function getProgress(db: Db, userId: number, projectId: number, timeZone = "UTC"): Promise<TProgress> {
  const tz = isValidTimeZone(timeZone) ? timeZone : "UTC";
  const [r] = await db.query<{
    today: string; total: string | null; open_labels: string | null; open: string | null; pairs_total: string | null;
    skipped_open: string; gold_mixed: boolean | null; goal: number | null;
  }>(
    `WITH m AS (SELECT (date_trunc('day', now() AT TIME ZONE $1::text) AT TIME ZONE $1::text) AS midnight),
     h AS (SELECT midnight, date_trunc('hour', midnight AT TIME ZONE 'UTC')
                            + CASE WHEN date_trunc('hour', midnight AT TIME ZONE 'UTC') = midnight AT TIME ZONE 'UTC'
                                   THEN interval '0' ELSE interval '1 hour' END AS first_hour FROM m)
     SELECT ((SELECT coalesce(sum(k.labels), 0) FROM h, (
                SELECT hour, labels FROM label_hours WHERE project_id = $3 AND annotator_id = $2
                UNION ALL SELECT hour, labels FROM label_hours_delta WHERE project_id = $3 AND annotator_id = $2) k
              WHERE k.hour >= h.first_hour)
             + (SELECT count(*) FROM labels, h
                WHERE annotator_id = $2 AND project_id = $3
                  AND created_at >= h.midnight AND created_at < h.first_hour AT TIME ZONE 'UTC'))::text AS today,
            t.total::text, t.open_labels::text, c.open::text, c.pairs_total::text,
            (SELECT count(*) FROM skips s JOIN pairs p ON p.id = s.pair_id
             WHERE s.annotator_id = $2 AND p.project_id = $3 AND p.status IN ('open', 'labelled')
               AND NOT EXISTS (SELECT 1 FROM labels b WHERE b.pair_id = s.pair_id AND b.annotator_id = $2))::text AS skipped_open,
            (SELECT gold_rate > 0 FROM projects WHERE id = $3) AS gold_mixed,
            (SELECT daily_goal FROM project_annotators WHERE project_id = $3 AND user_id = $2) AS goal
     FROM (SELECT sum(labels) AS total, sum(open_labels) AS open_labels FROM (
             SELECT labels, open_labels FROM annotator_totals WHERE project_id = $3 AND annotator_id = $2
             UNION ALL
             SELECT labels, open_labels FROM annotator_totals_delta WHERE project_id = $3 AND annotator_id = $2) k) t,
          (SELECT sum(open + labelled) AS open, sum(open + labelled + in_review + final) AS pairs_total
           FROM project_counts WHERE project_id = $3) c`,
    [tz, userId, projectId],
    "queue-progress",
  );
  const goldMixed = r?.gold_mixed === true;
  const open = Number(r?.open ?? 0);
  // Open pairs this annotator has not labelled (they wait for others' labels) and has not skipped.
  const leftForYou = Math.max(0, open - Number(r?.open_labels ?? 0) - Number(r?.skipped_open ?? 0));
  return {
    labelsToday: Number(r?.today ?? 0),
    labelsTotal: Number(r?.total ?? 0),
    // With gold mixed in, an exact count that stays put after a decision says the pair was gold (gold
    // pairs are never open): the figures of pairs left are coarse then, so one decision rarely moves them.
    pairsLeft: goldMixed ? coarseCount(open) : open,
    leftForYou: goldMixed ? coarseCount(leftForYou) : leftForYou,
    pairsTotal: Number(r?.pairs_total ?? 0),
    dailyGoal: r?.goal ?? null,
    goldMixed,
  };
}

/** Sets (or with null, clears) the annotator's own daily goal in the project. */
export async function setDailyGoal(db: Db, userId: number, projectId: number, goal: number | null): Promise<void> {
  const project = await db.prisma.project.findUnique({ where: { id: projectId }, select: { id: true } });
  if (!project) throw new NotFoundError("Project not found.");
  await db.query(
    `INSERT INTO project_annotators (project_id, user_id, daily_goal) VALUES ($1, $2, $3)
     ON CONFLICT (project_id, user_id) DO UPDATE SET daily_goal = EXCLUDED.daily_goal`,
    [projectId, userId, goal],
  );
}

/**
 * A count rounded up to two significant figures, and to a multiple of 10 at least (7 → 10, 1234 → 1300):
 * it moves once per many decisions, and never reads 0 while work remains.
 */
export function coarseCount(n: number): number {
  if (n <= 0) return 0;
  const step = Math.max(10, 10 ** (Math.floor(Math.log10(n)) - 1));
  return Math.ceil(n / step) * step;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
