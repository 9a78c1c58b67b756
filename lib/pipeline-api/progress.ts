import "server-only";
import type { Db } from "../db/connect";
import { NotFoundError } from "../errors";
import { KEPT_TALLIES } from "../quality/kept";
import { getPairCounts, getReviewReasonCounts } from "../quality/overview";
import { ROUTING_REASONS } from "../review/types";
import type { TApiProgress } from "./schemas";

// GET /api/v1/projects/:projectId/progress: the counts the admin's quality page shows (project_counts,
// kept by triggers) plus final pairs by decision and gold pairs, from the kept pair_tallies
// (lib/quality/sql/aggregates.sql): a few hundred rows whatever the project's size.

export async function getApiProgress(db: Db, projectId: number): Promise<TApiProgress> {
  const project = await db.prisma.project.findUnique({ where: { id: projectId }, select: { id: true } });
  if (!project) throw new NotFoundError("Project not found.");
  const [counts, reasons, [byDecision]] = await Promise.all([
    getPairCounts(db, projectId),
    getReviewReasonCounts(db, projectId),
    db.query<{ accept: string; reject: string; recaption: string; gold: string }>(
      `SELECT coalesce(sum(pairs) FILTER (WHERE status = 'final' AND final_decision = 'accept'), 0)::text AS accept,
              coalesce(sum(pairs) FILTER (WHERE status = 'final' AND final_decision = 'reject'), 0)::text AS reject,
              coalesce(sum(pairs) FILTER (WHERE status = 'final' AND final_decision = 'recaption'), 0)::text AS recaption,
              coalesce(sum(pairs) FILTER (WHERE is_gold), 0)::text AS gold
         FROM ${KEPT_TALLIES} t WHERE project_id = $1`,
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
