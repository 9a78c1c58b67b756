import "server-only";
import { requireProjectWork } from "../auth/project-access";
import type { Db } from "../db/connect";
import type { SqlRunner } from "../db/sql";
import { toPairView, type TPairViewRow } from "../queue/pair-view";
import { explainRouting, verdictBasis } from "./explain";
import {
  REVIEW_COUNTS_SQL,
  REVIEW_FILTER_VALUES_SQL,
  REVIEW_LABELS_SQL,
  REVIEW_PAIR_SQL,
  reviewerProjectsSql,
} from "./sql";
import {
  ROUTING_REASONS,
  type TDecision,
  type TReviewCounts,
  type TReviewFilters,
  type TReviewLabel,
  type TReviewPair,
  type TRoutingReason,
  type TScoreSignal,
} from "./types";
import { parseVerifierScales, shortLabel, type TVerifierScale } from "../quality/scales";

export interface TReviewProject {
  id: number;
  name: string;
  inReview: number;
  byReason: Record<TRoutingReason, number>;
  /** Pairs some reviewer is working on right now. */
  claimed: number;
}

type ByReasonRow = { decision: number; recaption: number; verifier: number };

function byReason(r: ByReasonRow): Record<TRoutingReason, number> {
  return { decision: Number(r.decision), recaption: Number(r.recaption), verifier: Number(r.verifier) };
}

/** The projects `reviewerId` may review (decision 030), or every live one without it. */
export async function listReviewProjects(db: Db, reviewerId?: number): Promise<TReviewProject[]> {
  const rows = await db.query<{ id: number; name: string; in_review: number; claimed: number } & ByReasonRow>(
    reviewerProjectsSql(reviewerId !== undefined), reviewerId === undefined ? [] : [reviewerId]);
  return rows.map((r) => ({ id: r.id, name: r.name, inReview: Number(r.in_review), byReason: byReason(r), claimed: Number(r.claimed) }));
}

export async function getReviewCounts(
  db: Db,
  projectId: number,
  reviewerId: number,
  filters: TReviewFilters,
): Promise<TReviewCounts> {
  await requireProjectWork(db, projectId, reviewerId, "review");
  const [r] = await db.query<{ in_review: number; matching: number; claimed_by_others: number } & ByReasonRow>(
    REVIEW_COUNTS_SQL,
    [projectId, reviewerId, filters.reason ?? null, filters.task ?? null, filters.subtask ?? null],
  );
  return {
    inReview: Number(r?.in_review ?? 0),
    matching: Number(r?.matching ?? 0),
    byReason: byReason(r ?? { decision: 0, recaption: 0, verifier: 0 }),
    claimedByOthers: Number(r?.claimed_by_others ?? 0),
  };
}

export async function getReviewFilterValues(db: Db, projectId: number): Promise<{ tasks: string[]; subtasks: string[] }> {
  const rows = await db.query<{ kind: "task" | "subtask"; v: string }>(REVIEW_FILTER_VALUES_SQL, [projectId]);
  return {
    tasks: rows.filter((r) => r.kind === "task").map((r) => r.v),
    subtasks: rows.filter((r) => r.kind === "subtask").map((r) => r.v),
  };
}

type PairRow = TPairViewRow & {
  pair_id: string;
  project_id: number;
  external_id: string;
  instruction: string;
  instruction_cn: string | null;
  task: string | null;
  subtask: string | null;
  verifier_valid: boolean | null;
  verifier_failure_class: string | null;
  verifier_recaption: string | null;
  verifier_scores: Record<string, unknown> | null;
  model_version: string | null;
  review_reasons: string[];
  agreement: number | null;
  review_claimed_until: Date | string | null;
  routed_at: Date | string | null;
  recaption_disagreement_threshold: number;
  verifier_rule: string;
  verifier_scales: unknown;
  verdict: boolean | null;
  recaption_spread: number | null;
};

type LabelRow = {
  id: string;
  annotator_id: number;
  annotator_name: string;
  decision: TDecision;
  reasons: string[];
  recaption: string | null;
  seconds_spent: number;
  created_at: Date | string;
};

const num = (v: number | string | null) => (v === null ? null : Number(v));

/** The declared columns the pair has a number for, in declared order. */
function scoreSignals(scores: Record<string, unknown> | null, scales: TVerifierScale[]): TScoreSignal[] {
  return scales.flatMap((s) => {
    const value = scores?.[s.key];
    return typeof value === "number" ? [{ key: s.key, label: s.label, short: shortLabel(s), value, min: s.min, max: s.max }] : [];
  });
}

export async function loadReviewPair(tx: SqlRunner, pairId: string, resumed = false): Promise<TReviewPair | null> {
  const [p] = await tx.query<PairRow>(REVIEW_PAIR_SQL, [pairId]);
  if (!p) return null;
  const labelRows = await tx.query<LabelRow>(REVIEW_LABELS_SQL, [pairId]);
  const labels: TReviewLabel[] = labelRows.map((l) => ({
    id: l.id,
    annotatorId: l.annotator_id,
    annotatorName: l.annotator_name,
    decision: l.decision,
    reasons: l.reasons ?? [],
    recaption: l.recaption,
    secondsSpent: Number(l.seconds_spent),
    createdAt: new Date(l.created_at).toISOString(),
  }));
  const scales = parseVerifierScales(p.verifier_scales);
  const verifier = {
    valid: p.verifier_valid,
    failureClass: p.verifier_failure_class,
    recaption: p.verifier_recaption,
    scores: scoreSignals(p.verifier_scores, scales),
    modelVersion: p.model_version,
  };
  const verdict = {
    valid: p.verdict,
    basis: p.verdict === null ? null : verdictBasis(p.verifier_rule, p.verifier_valid),
    rule: p.verifier_rule,
    keep: scales.flatMap((s) => (s.keep === null ? [] : [{ short: shortLabel(s), higherIsBetter: s.higherIsBetter, keep: s.keep }])),
  };
  const reviewReasons = (p.review_reasons ?? []).filter((r): r is TRoutingReason =>
    (ROUTING_REASONS as readonly string[]).includes(r));
  const recaptionSpread = num(p.recaption_spread);
  return {
    id: p.pair_id,
    projectId: p.project_id,
    externalId: p.external_id,
    instruction: p.instruction,
    instructionCn: p.instruction_cn,
    task: p.task,
    subtask: p.subtask,
    ...toPairView(p),
    verifier,
    verdict,
    reviewReasons,
    routing: explainRouting({
      reasons: reviewReasons,
      labels,
      recaptionSpread,
      recaptionThreshold: Number(p.recaption_disagreement_threshold),
      verdict,
      verifier,
    }),
    agreement: num(p.agreement),
    routedAt: p.routed_at ? new Date(p.routed_at).toISOString() : null,
    recaptionSpread,
    labels,
    claimExpiresAt: p.review_claimed_until ? new Date(p.review_claimed_until).toISOString() : new Date().toISOString(),
    resumed,
  };
}
