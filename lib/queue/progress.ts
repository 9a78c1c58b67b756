import "server-only";
import type { Db } from "../db/connect";
import type { TProgress } from "./types";

export type { TProgress } from "./types";

/** `timeZone` is the annotator's IANA zone, so "today" means their day, not the server's. */
export async function getProgress(db: Db, userId: number, projectId: number, timeZone = "UTC"): Promise<TProgress> {
  const tz = isValidTimeZone(timeZone) ? timeZone : "UTC";
  const [mine] = await db.query<{ today: string; total: string }>(
    `SELECT count(*) FILTER (WHERE created_at >= (date_trunc('day', now() AT TIME ZONE $1::text) AT TIME ZONE $1::text))::text AS today,
            count(*)::text AS total
     FROM labels WHERE annotator_id = $2 AND project_id = $3`,
    [tz, userId, projectId],
  );
  // project_counts is kept by triggers (lib/projects/sql/counts.sql): no count(*) over the pairs.
  const [pairs] = await db.query<{ open: string | null; total: string | null; gold_mixed: boolean | null }>(
    `SELECT sum(open)::text AS open, sum(open + labelled + in_review + final)::text AS total,
            (SELECT gold_rate > 0 FROM projects WHERE id = $1) AS gold_mixed
     FROM project_counts WHERE project_id = $1`,
    [projectId],
  );
  const goldMixed = pairs?.gold_mixed === true;
  const open = Number(pairs?.open ?? 0);
  return {
    labelsToday: Number(mine?.today ?? 0),
    labelsTotal: Number(mine?.total ?? 0),
    // With gold mixed in, an exact count that stays put after a decision says the pair was gold: the
    // figure is coarse (the page also refreshes it only on a timer), so one decision rarely moves it.
    pairsLeft: goldMixed ? coarseCount(open) : open,
    pairsTotal: Number(pairs?.total ?? 0),
    goldMixed,
  };
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
