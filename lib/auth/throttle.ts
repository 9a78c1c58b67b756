import "server-only";
import type { SqlRunner } from "../db/sql";
import { getEnv } from "../env";

// Sign-in attempts are counted in Postgres (not process memory) so every `next start` behind a load
// balancer sees the same counts. An address gets more room than an account: many people share a NAT.
const IP_FACTOR = 5;
// How many stale rows one sign-in clears away, so the table stays the size of the current window.
const PRUNE_BATCH = 200;

export function throttleLimits() {
  const env = getEnv();
  return { max: env.LOUPE_LOGIN_MAX_FAILURES, windowSeconds: env.LOUPE_LOGIN_WINDOW_SECONDS };
}

export function throttleKeys(email: string, ip: string | null) {
  const keys = [{ key: `email:${email.toLowerCase()}`, factor: 1 }];
  if (ip) keys.push({ key: `ip:${ip}`, factor: IP_FACTOR });
  return keys;
}

export async function lockedForSeconds(db: SqlRunner, email: string, ip: string | null): Promise<number> {
  const keys = throttleKeys(email, ip).map((k) => k.key);
  const rows = await db.query<{ wait: number | null }>(
    `SELECT ceil(extract(epoch FROM max(locked_until) - now()))::int AS wait
     FROM auth_throttle WHERE key = ANY($1::text[]) AND locked_until > now()`,
    [keys],
  );
  return Math.max(0, rows[0]?.wait ?? 0);
}

// Counts the attempt before the password is looked at, in one statement per key: the row lock taken by
// the upsert orders parallel attempts, so attempt number n+1 sees n however many arrive at once. A window
// that has passed starts again at 1; a running lock is kept and reported. `failures` is the number of
// attempts in the window not forgiven by a success.
const COUNT_ATTEMPT_SQL = `
  INSERT INTO auth_throttle AS t (key, failures, window_start)
  VALUES ($1, 1, now())
  ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN t.locked_until > now() THEN t.failures
                    WHEN t.window_start < now() - make_interval(secs => $2::int) THEN 1
                    ELSE t.failures + 1 END,
    window_start = CASE WHEN t.locked_until > now() THEN t.window_start
                        WHEN t.window_start < now() - make_interval(secs => $2::int) THEN now()
                        ELSE t.window_start END,
    locked_until = CASE WHEN t.locked_until > now() THEN t.locked_until
                        WHEN t.window_start >= now() - make_interval(secs => $2::int) AND t.failures + 1 > $3::int
                        THEN now() + make_interval(secs => $2::int)
                        ELSE NULL END
  RETURNING failures AS attempt, ceil(extract(epoch FROM coalesce(locked_until, now()) - now()))::int AS wait`;

export interface TAttempt {
  /** Seconds until the lock on the account or address ends; 0 when this attempt may check the password. */
  wait: number;
  /** Failed attempts the account has left in this window after this one fails (0: this one locks it). */
  left: number;
  /** Each key's count after this attempt, and its limit: the attempt whose count meets the limit locks. */
  counts: { key: string; attempt: number; limit: number }[];
}

/** Counts a sign-in attempt against the account and the address before any password is checked. */
export async function countAttempt(db: SqlRunner, email: string, ip: string | null): Promise<TAttempt> {
  const { max, windowSeconds } = throttleLimits();
  let wait = 0;
  let left = max;
  const counts: TAttempt["counts"] = [];
  for (const { key, factor } of throttleKeys(email, ip)) {
    const [row] = await db.query<{ attempt: number; wait: number }>(COUNT_ATTEMPT_SQL, [key, windowSeconds, max * factor], "loupe_throttle_count");
    wait = Math.max(wait, row?.wait ?? 0);
    const attempt = row?.attempt ?? 0;
    counts.push({ key, attempt, limit: max * factor });
    if (factor === 1) left = max - attempt;
  }
  return { wait, left: Math.max(0, left), counts };
}

// A later attempt over the limit may already have set the lock (parallel guesses): it is kept, not extended.
const LOCK_SQL = `
  UPDATE auth_throttle SET locked_until = CASE WHEN locked_until > now() THEN locked_until ELSE now() + make_interval(secs => $2::int) END
  WHERE key = $1 RETURNING key`;

/**
 * After a failed password: locks each key this attempt's count brought to its limit. Exactly one attempt
 * per key and window meets the limit (those past it were refused before any check), so each lock is
 * reported once. Returns the keys locked.
 */
export async function lockIfSpent(db: SqlRunner, attempt: TAttempt): Promise<string[]> {
  const { windowSeconds } = throttleLimits();
  const locked: string[] = [];
  for (const { key, attempt: n, limit } of attempt.counts) {
    if (n < limit) continue;
    const rows = await db.query<{ key: string }>(LOCK_SQL, [key, windowSeconds]);
    locked.push(...rows.map((r) => r.key));
  }
  return locked;
}

/** A successful sign-in: the account starts afresh and the address gets this attempt back. */
export async function forgiveAttempt(db: SqlRunner, email: string, ip: string | null): Promise<void> {
  await db.query(`DELETE FROM auth_throttle WHERE key = $1`, [`email:${email.toLowerCase()}`]);
  if (ip) await db.query(`UPDATE auth_throttle SET failures = greatest(failures - 1, 0) WHERE key = $1 AND locked_until IS NULL`, [`ip:${ip}`]);
}

/** Removes rows whose window has passed and whose lock (if any) is over, a bounded batch at a time. */
export async function pruneThrottle(db: SqlRunner): Promise<number> {
  const { windowSeconds } = throttleLimits();
  const rows = await db.query<{ key: string }>(
    `DELETE FROM auth_throttle WHERE key IN (
       SELECT key FROM auth_throttle
       WHERE window_start < now() - make_interval(secs => $1::int) AND (locked_until IS NULL OR locked_until <= now())
       LIMIT $2)
     RETURNING key`,
    [windowSeconds, PRUNE_BATCH],
  );
  return rows.length;
}
