import "server-only";
import type { Db } from "../db/connect";
import { NotFoundError } from "../errors";
import { getPairCounts, getReviewReasonCounts } from "../quality/overview";
import { ROUTING_REASONS } from "../review/types";
import type { TApiProgress } from "./schemas";

// GET /api/v1/projects/:projectId/progress: the counts the admin's quality page shows (project_counts,
// kept by triggers) plus final pairs by decision, read index-only from pairs_final_feed_idx.

export async function getApiProgress(db: Db, projectId: number): Promise<TApiProgress> {
  const project = await db.prisma.project.findUnique({ where: { id: projectId }, select: { id: true } });
  if (!project) throw new NotFoundError("Project not found.");
  const [counts, reasons, [byDecision]] = await Promise.all([
    getPairCounts(db, projectId),
    getReviewReasonCounts(db, projectId),
    db.query<{ accept: string; reject: string; recaption: string; gold: string }>(
      `SELECT count(*) FILTER (WHERE final_decision = 'accept')::text AS accept,
              count(*) FILTER (WHERE final_decision = 'reject')::text AS reject,
              count(*) FILTER (WHERE final_decision = 'recaption')::text AS recaption,
              (SELECT count(*) FROM pairs WHERE project_id = $1 AND is_gold)::text AS gold
         FROM pairs WHERE project_id = $1 AND final_xid IS NOT NULL AND final_decision IS NOT NULL`,
      [projectId],
    ),
  ]);
  const total = counts.open + counts.labelled + counts.inReview + counts.final;
  const gold = Number(byDecision?.gold ?? 0);
  const work = total - gold;
  const done = counts.final - gold;
  return {
    projectId,
    pairs: { total, open: counts.open, labelled: counts.labelled, inReview: counts.inReview, final: counts.final },
    finalByDecision: { accept: Number(byDecision?.accept ?? 0), reject: Number(byDecision?.reject ?? 0), recaption: Number(byDecision?.recaption ?? 0) },
    inReviewByReason: Object.fromEntries(ROUTING_REASONS.map((r) => [r, reasons.find((x) => x.reason === r)?.pairs ?? 0])) as TApiProgress["inReviewByReason"],
    gold: { total: gold, active: counts.gold },
    labels: counts.labels,
    percentDone: work > 0 ? Math.round((1000 * done) / work) / 10 : 0,
  };
}
