// Client-side calls for the annotate page. Only types come from lib/queue (erased at build time):
// client code never imports the data layer.
import type { TClaimedPair, TProgress } from "@/lib/queue/types";
import { ApiError, callJson } from "@/components/ui/api-client";

export type { TClaimedPair, TProgress };

export type TDecisionInput =
  | { decision: "accept" }
  | { decision: "reject"; reasons: string[] }
  | { decision: "recaption"; recaption: string };

export { ApiError };

/** The annotator is paused from the project (gold accuracy under its threshold); the message says why. */
export function isPausedError(err: unknown): err is ApiError {
  return err instanceof ApiError && err.code === "paused";
}


export const annotateKeys = {
  all: ["annotate"] as const,
  progress: (projectId: number) => ["annotate", projectId, "progress"] as const,
};

export function imageUrl(sha256: string): string {
  return `/api/images/${sha256}`;
}

export async function fetchNext(projectId: number, exclude: string[]): Promise<TClaimedPair | null> {
  const q = new URLSearchParams();
  if (exclude.length) q.set("exclude", exclude.join(","));
  const r = await callJson<{ pair: TClaimedPair | null }>(`/api/projects/${projectId}/next?${q}`);
  return r.pair;
}

export async function postLabel(
  pairId: string,
  submissionId: string,
  input: TDecisionInput,
  secondsSpent: number,
  claimNext?: { projectId: number; exclude: string[] },
): Promise<{ replayed: boolean; next?: TClaimedPair | null }> {
  const body = { pairId, submissionId, secondsSpent, reasons: [] as string[], ...input, ...(claimNext ? { claimNext } : {}) };
  // Network failures are retried with the same submission id: the server answers a replay with the
  // stored label, so a retry can never create a second one.
  for (let attempt = 0; ; attempt++) {
    try {
      return await callJson<{ replayed: boolean; next?: TClaimedPair | null }>("/api/labels", { method: "POST", body: JSON.stringify(body) });
    } catch (err) {
      if (err instanceof ApiError || attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 300 * 2 ** attempt));
    }
  }
}

export async function postSkip(pairId: string): Promise<void> {
  await callJson(`/api/pairs/${pairId}/skip`, { method: "POST", body: "{}" });
}

export async function postUndo(projectId: number): Promise<{ pairId: string; pair: TClaimedPair | null }> {
  return callJson(`/api/projects/${projectId}/undo`, { method: "POST", body: "{}" });
}

export async function fetchProgress(projectId: number): Promise<TProgress> {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return callJson(`/api/projects/${projectId}/progress?tz=${encodeURIComponent(tz)}`);
}

export function preloadImages(pair: TClaimedPair | null | undefined): void {
  if (!pair || typeof window === "undefined") return;
  for (const sha of [pair.sourceImage, pair.editedImage]) {
    const img = new Image();
    img.decoding = "async";
    img.src = imageUrl(sha);
  }
}
