// Client-side calls for the review workbench; only types come from lib/review.
import { callJson } from "@/components/ui/api-client";
import type { TAdjudicationResult, TReviewCounts, TReviewFilters, TReviewPair } from "@/lib/review/types";

export { ApiError } from "@/components/ui/api-client";
export type { TAdjudicationResult, TReviewCounts, TReviewFilters, TReviewPair };

export type TReviewDecision =
  | { decision: "accept" }
  | { decision: "reject"; reasons: string[] }
  | { decision: "recaption"; instruction: string };


export const reviewKeys = {
  all: ["review"] as const,
  counts: (projectId: number, filters: TReviewFilters) => ["review", projectId, "counts", filters] as const,
};

function filterParams(filters: TReviewFilters): URLSearchParams {
  const q = new URLSearchParams();
  if (filters.reason) q.set("reason", filters.reason);
  if (filters.task) q.set("task", filters.task);
  if (filters.subtask) q.set("subtask", filters.subtask);
  return q;
}

export async function fetchReviewNext(projectId: number, filters: TReviewFilters, exclude: string[]): Promise<TReviewPair | null> {
  const q = filterParams(filters);
  if (exclude.length) q.set("exclude", exclude.join(","));
  const r = await callJson<{ pair: TReviewPair | null }>(`/api/review/projects/${projectId}/next`, { method: "POST", body: JSON.stringify(Object.fromEntries(q)) });
  return r.pair;
}

export async function fetchReviewCounts(projectId: number, filters: TReviewFilters): Promise<TReviewCounts> {
  return callJson(`/api/review/projects/${projectId}?${filterParams(filters)}`);
}

export async function postAdjudication(
  pairId: string,
  body: { submissionId: string; note?: string; promoteToGold: boolean; routedAt?: string } & TReviewDecision,
  claimNext?: { projectId: number; exclude: string[] } & TReviewFilters,
): Promise<TAdjudicationResult & { next?: TReviewPair | null }> {
  // One attempt: the workbench's pair flow retries network failures with the same submission id.
  const payload = { reasons: [] as string[], ...body, ...(claimNext ? { claimNext } : {}) };
  return callJson(`/api/review/pairs/${pairId}`, { method: "POST", body: JSON.stringify(payload) });
}

export async function postRelease(pairId: string): Promise<void> {
  await callJson(`/api/review/pairs/${pairId}/release`, { method: "POST", body: "{}" });
}

export async function postRenew(pairId: string): Promise<{ claimExpiresAt: string }> {
  return callJson(`/api/review/pairs/${pairId}/renew`, { method: "POST", body: "{}" });
}

/** Takes back the reviewer's adjudication made with `submissionId`; the pair comes back in review, claimed by them. */
export async function postUndoAdjudication(pairId: string, submissionId: string): Promise<{ pair: TReviewPair }> {
  return callJson(`/api/review/pairs/${pairId}/undo`, { method: "POST", body: JSON.stringify({ submissionId }) });
}
