// Client-side calls for the annotate page; only types come from lib/queue.
import type { TClaimedPair, TProgress } from "@/lib/queue/types";
import { ApiError, callJson } from "@/components/ui/api-client";

export type { TClaimedPair, TProgress };

export type TDecisionInput =
  | { decision: "accept" }
  | { decision: "reject"; reasons: string[] }
  | { decision: "recaption"; recaption: string };

export { ApiError };

export function isPausedError(err: unknown): err is ApiError {
  return err instanceof ApiError && err.code === "paused";
}


export const annotateKeys = {
  all: ["annotate"] as const,
  progress: (projectId: number) => ["annotate", projectId, "progress"] as const,
};

export async function fetchNext(projectId: number, exclude: string[]): Promise<TClaimedPair | null> {
  const q = new URLSearchParams();
  if (exclude.length) q.set("exclude", exclude.join(","));
  const r = await callJson<{ pair: TClaimedPair | null }>(`/api/projects/${projectId}/next`, { method: "POST", body: JSON.stringify(Object.fromEntries(q)) });
  return r.pair;
}

export async function postLabel(
  pairId: string,
  submissionId: string,
  input: TDecisionInput,
  secondsSpent: number,
  claimNext?: { projectId: number; exclude: string[] },
): Promise<{ replayed: boolean; next?: TClaimedPair | null }> {
  // One attempt: the workbench's pair flow retries network failures with the same submission id.
  const body = { pairId, submissionId, secondsSpent, reasons: [] as string[], ...input, ...(claimNext ? { claimNext } : {}) };
  return callJson("/api/labels", { method: "POST", body: JSON.stringify(body) });
}

export async function postSkip(pairId: string): Promise<void> {
  await callJson(`/api/pairs/${pairId}/skip`, { method: "POST", body: "{}" });
}

/** Takes back the decision on `pairId` (the history names it), else the latest one. */
export async function postUndo(projectId: number, pairId?: string): Promise<{ pairId: string; pair: TClaimedPair | null }> {
  return callJson(`/api/projects/${projectId}/undo`, { method: "POST", body: JSON.stringify(pairId ? { pairId } : {}) });
}

export async function fetchProgress(projectId: number): Promise<TProgress> {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return callJson(`/api/projects/${projectId}/progress?tz=${encodeURIComponent(tz)}`);
}

export async function putDailyGoal(projectId: number, goal: number | null): Promise<{ goal: number | null }> {
  return callJson(`/api/projects/${projectId}/progress/goal`, { method: "PUT", body: JSON.stringify({ goal }) });
}
