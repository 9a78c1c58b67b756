// The rules of the pair flow both workbenches share; pure, so they can be tested.
import { ApiError } from "@/components/ui/api-client";

/** A pair slot: undefined while it loads, null when nothing is left. */
export type TSlot<P> = P | null | undefined;

export interface TNotice {
  kind: "info" | "error";
  text: string;
}

export type TDecision = "accept" | "reject" | "recaption";

export function imageUrl(sha256: string): string {
  return `/api/images/${sha256}`;
}

/** What the browser is shown for a stored image whose preview may not be made yet: the route makes it on first need. */
export function previewUrl(sha256: string): string {
  return `/api/images/${sha256}/preview`;
}

/** The ids a claim leaves out: the pair on screen (or leaving it), then those the page keeps out. */
export function excludeIds(id: string | undefined, keptOut: readonly string[] = []): string[] {
  return id ? [id, ...keptOut] : [...keptOut];
}

/** Pairs skipped on a page, newest last, at most `limit` of them (the claim's exclude list stays short). */
export function rememberSkipped(skipped: readonly string[], id: string, limit = 150): string[] {
  return [...skipped, id].slice(-limit);
}

/** The prefetched pair to show next, or undefined (claim afresh) when it is stale or not there yet. */
export function upcomingPair<P>(next: TSlot<P>, isStale?: (pair: P) => boolean): TSlot<P> {
  return next && isStale?.(next) ? undefined : next;
}

/** True when `iso` is less than `marginMs` after `now`; an unreadable time never is. */
export function endsWithin(iso: string, now: number, marginMs: number): boolean {
  return Date.parse(iso) - now < marginMs;
}

/** Retries after a network failure (no answer from the server); an answer, even an error, is final. */
export const MAX_RETRIES = 3;

/** The wait before retry `attempt + 1`, or null when the error is not retried. */
export function retryDelayMs(err: unknown, attempt: number): number | null {
  if (err instanceof ApiError || attempt >= MAX_RETRIES) return null;
  return 300 * 2 ** attempt;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `send` until the server answers; one submission id across attempts, so a retry never records twice. */
export async function sendWithRetry<T>(send: () => Promise<T>, wait: (ms: number) => Promise<void> = sleep): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await send();
    } catch (err) {
      const delay = retryDelayMs(err, attempt);
      if (delay === null) throw err;
      await wait(delay);
    }
  }
}

/** The server's reason in words: a refused input names what is wrong, never the field path it was found at. */
export function reasonText(err: unknown): string {
  if (!(err instanceof ApiError)) return "Could not reach the server.";
  if (err.status === 400 && err.issues.length > 0) return [...new Set(err.issues.map((i) => i.message))].join(" ");
  return err.message;
}

/** Said when a save failed: the pair stays on screen with what was typed, so it can be sent again. */
export function notSavedMessage(err: unknown): string {
  return `Your decision was not saved: ${sentence(reasonText(err))} It is still on screen; try again.`;
}

function sentence(text: string): string {
  const t = text.trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** Characters left of `max` in `text` as the server counts them (trimmed); negative past the limit. */
export function charsLeft(text: string, max: number): number {
  return max - text.trim().length;
}

/** One decision of this session, newest first in the history; undoable while its pair's lease lasts. */
export interface THistoryEntry {
  pairId: string;
  decision: TDecision;
  instruction: string;
  /** When the lease the decision was made under ends (the server refuses an undo after it). */
  undoUntil: string;
  at: number;
}

export const HISTORY_LENGTH = 10;

/** Adds a decision to the front; a pair decided again replaces its older entry. */
export function rememberDecision(history: readonly THistoryEntry[], entry: THistoryEntry, limit = HISTORY_LENGTH): THistoryEntry[] {
  return [entry, ...history.filter((h) => h.pairId !== entry.pairId)].slice(0, limit);
}

export function forgetDecision(history: readonly THistoryEntry[], pairId: string): THistoryEntry[] {
  return history.filter((h) => h.pairId !== pairId);
}

export function decisionVerb(decision: TDecision): string {
  return decision === "accept" ? "Accepted" : decision === "reject" ? "Rejected" : "Re-captioned";
}

export function nextPairStatus(next: TSlot<unknown>, lastPair: string): string {
  return next ? "Next pair ready" : next === null ? lastPair : "Loading next…";
}
