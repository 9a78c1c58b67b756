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
  return {
    labelsToday: Number(mine?.today ?? 0),
    labelsTotal: Number(mine?.total ?? 0),
    pairsLeft: Number(pairs?.open ?? 0),
    pairsTotal: Number(pairs?.total ?? 0),
    goldMixed: pairs?.gold_mixed === true,
  };
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
