// Client-side calls for the annotate page. Only types come from lib/queue (erased at build time):
// client code never imports the data layer.
import type { TClaimedPair, TProgress } from "@/lib/queue/types";

export type { TClaimedPair, TProgress };

export type TDecisionInput =
  | { decision: "accept" }
  | { decision: "reject"; reasons: string[] }
  | { decision: "recaption"; recaption: string };

export class ApiError extends Error {
  constructor(message: string, readonly status: number, readonly code?: string) {
    super(message);
  }
}

/** The annotator is paused from the project (gold accuracy under its threshold); the message says why. */
export function isPausedError(err: unknown): err is ApiError {
  return err instanceof ApiError && err.code === "paused";
}

let redirecting = false;

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { ...init, headers: { "Content-Type": "application/json", ...init?.headers }, cache: "no-store" });
  const body = (await res.json().catch(() => null)) as { error?: { message?: string; code?: string } } | null;
  if (!res.ok) {
    if (res.status === 401 && !redirecting) {
      // The session ended: a full page load drops all client state and lands on sign-in. Several
      // calls fail together (submit, prefetch, progress); only the first may navigate.
      redirecting = true;
      // eslint-disable-next-line @next/next/no-location-assign-relative-destination
      window.location.assign(`/signin?callbackUrl=${encodeURIComponent(window.location.pathname)}`);
    }
    throw new ApiError(body?.error?.message ?? `Request failed (${res.status}).`, res.status, body?.error?.code);
  }
  return body as T;
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
  const r = await call<{ pair: TClaimedPair | null }>(`/api/projects/${projectId}/next?${q}`);
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
      return await call<{ replayed: boolean; next?: TClaimedPair | null }>("/api/labels", { method: "POST", body: JSON.stringify(body) });
    } catch (err) {
      if (err instanceof ApiError || attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 300 * 2 ** attempt));
    }
  }
}

export async function postSkip(pairId: string): Promise<void> {
  await call(`/api/pairs/${pairId}/skip`, { method: "POST", body: "{}" });
}

export async function postUndo(projectId: number): Promise<{ pairId: string; pair: TClaimedPair | null }> {
  return call(`/api/projects/${projectId}/undo`, { method: "POST", body: "{}" });
}

export async function fetchProgress(projectId: number): Promise<TProgress> {
  const tz = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return call(`/api/projects/${projectId}/progress?tz=${encodeURIComponent(tz)}`);
}

export function preloadImages(pair: TClaimedPair | null | undefined): void {
  if (!pair || typeof window === "undefined") return;
  for (const sha of [pair.sourceImage, pair.editedImage]) {
    const img = new Image();
    img.decoding = "async";
    img.src = imageUrl(sha);
  }
}
