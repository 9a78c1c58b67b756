// How deliveries are retried and judged. Pure, so the schedule is unit-tested.

/**
 * Wait after the n-th failed attempt: nine attempts over about a day, so a receiver down for a night still
 * gets everything. webhook_deliveries.max_attempts defaults to this length + 1; keep them in step.
 */
export const RETRY_DELAYS_S = [30, 120, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600] as const;
export const MAX_ATTEMPTS = RETRY_DELAYS_S.length + 1;
/** ± this share of each wait is random, so deliveries that failed together do not retry together. */
export const JITTER = 0.2;

/** Time limit for one POST, connection and answer included. */
export const DELIVERY_TIMEOUT_MS = 10_000;
/** A claimed delivery is its worker's this long, then another retries it; far above the timeout. */
export const CLAIM_SECONDS = 60;
/** Per-endpoint claims across workers: a silent receiver holds this many attempts, not every slot. */
export const MAX_IN_FLIGHT_PER_ENDPOINT = 2;
/** Stored error texts (and response excerpts) are cut to this many characters. */
export const ERROR_MAX_CHARS = 500;

export function retryDelaySeconds(attemptsMade: number, random: () => number = Math.random): number {
  const i = Math.min(Math.max(attemptsMade, 1), RETRY_DELAYS_S.length) - 1;
  const base = RETRY_DELAYS_S[i]!;
  const factor = 1 + JITTER * (2 * random() - 1);
  return Math.max(1, Math.round(base * factor));
}

/** 2xx only: a redirect is not followed (the receiver should be given the final URL). */
export function isDelivered(statusCode: number): boolean {
  return statusCode >= 200 && statusCode <= 299;
}

export function truncate(text: string, max = ERROR_MAX_CHARS): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
