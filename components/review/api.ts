// Client-side calls for the review workbench. Only types come from lib/review (erased at build time).
import { ApiError } from "@/components/annotate/api";
import type { TAdjudicationResult, TReviewCounts, TReviewFilters, TReviewPair } from "@/lib/review/types";

export { ApiError, imageUrl } from "@/components/annotate/api";
export type { TAdjudicationResult, TReviewCounts, TReviewFilters, TReviewPair };

export type TReviewDecision =
  | { decision: "accept" }
  | { decision: "reject"; reasons: string[] }
  | { decision: "recaption"; instruction: string };

let redirecting = false;

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { "Content-Type": "application/json", ...init?.headers }, cache: "no-store" });
  const body = (await res.json().catch(() => null)) as { error?: { message?: string; code?: string } } | null;
  if (!res.ok) {
    if (res.status === 401 && !redirecting) {
      // The session ended: a full load lands on sign-in; only the first failing call navigates.
      redirecting = true;
      // eslint-disable-next-line @next/next/no-location-assign-relative-destination
      window.location.assign(`/signin?callbackUrl=${encodeURIComponent(window.location.pathname + window.location.search)}`);
    }
    throw new ApiError(body?.error?.message ?? `Request failed (${res.status}).`, res.status, body?.error?.code);
  }
  return body as T;
}

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
  const r = await call<{ pair: TReviewPair | null }>(`/api/review/projects/${projectId}/next?${q}`);
  return r.pair;
}

export async function fetchReviewCounts(projectId: number, filters: TReviewFilters): Promise<TReviewCounts> {
  return call(`/api/review/projects/${projectId}?${filterParams(filters)}`);
}

export async function postAdjudication(
  pairId: string,
  body: { submissionId: string; note?: string; promoteToGold: boolean; routedAt?: string } & TReviewDecision,
  claimNext?: { projectId: number; exclude: string[] } & TReviewFilters,
): Promise<TAdjudicationResult & { next?: TReviewPair | null }> {
  const payload = { reasons: [] as string[], ...body, ...(claimNext ? { claimNext } : {}) };
  // Network failures retry with the same submission id: the server answers a replay with the stored
  // result, so a retry never settles the pair twice.
  for (let attempt = 0; ; attempt++) {
    try {
      return await call(`/api/review/pairs/${pairId}`, { method: "POST", body: JSON.stringify(payload) });
    } catch (err) {
      if (err instanceof ApiError || attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 300 * 2 ** attempt));
    }
  }
}

export async function postRelease(pairId: string): Promise<void> {
  await call(`/api/review/pairs/${pairId}/release`, { method: "POST", body: "{}" });
}

export async function postRenew(pairId: string): Promise<{ claimExpiresAt: string }> {
  return call(`/api/review/pairs/${pairId}/renew`, { method: "POST", body: "{}" });
}

export function preloadReviewImages(pair: TReviewPair | null | undefined): void {
  if (!pair || typeof window === "undefined") return;
  for (const sha of [pair.sourceImage, pair.editedImage]) {
    const img = new Image();
    img.decoding = "async";
    img.src = `/api/images/${sha}`;
  }
}
