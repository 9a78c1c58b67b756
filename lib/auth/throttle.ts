import "server-only";
import type { Db } from "../db/connect";
import { getEnv } from "../env";

// Failed sign-ins are counted in Postgres (not process memory) so every `next start` behind a load
// balancer sees the same counts. An address gets more room than an account: many people share a NAT.
const IP_FACTOR = 5;

function limits() {
  const env = getEnv();
  return { max: env.LOUPE_LOGIN_MAX_FAILURES, windowSeconds: env.LOUPE_LOGIN_WINDOW_SECONDS };
}

export function throttleKeys(email: string, ip: string | null) {
  const keys = [{ key: `email:${email.toLowerCase()}`, factor: 1 }];
  if (ip) keys.push({ key: `ip:${ip}`, factor: IP_FACTOR });
  return keys;
}

export async function lockedForSeconds(db: Db, email: string, ip: string | null): Promise<number> {
  const keys = throttleKeys(email, ip).map((k) => k.key);
  const rows = await db.query<{ wait: number | null }>(
    `SELECT ceil(extract(epoch FROM max(locked_until) - now()))::int AS wait
     FROM auth_throttle WHERE key = ANY($1::text[]) AND locked_until > now()`,
    [keys],
  );
  return Math.max(0, rows[0]?.wait ?? 0);
}

const RECORD_FAILURE_SQL = `
  INSERT INTO auth_throttle (key, failures, window_start)
  VALUES ($1, 1, now())
  ON CONFLICT (key) DO UPDATE SET
    failures = CASE WHEN auth_throttle.window_start < now() - make_interval(secs => $2::int)
                    THEN 1 ELSE auth_throttle.failures + 1 END,
    window_start = CASE WHEN auth_throttle.window_start < now() - make_interval(secs => $2::int)
                        THEN now() ELSE auth_throttle.window_start END,
    locked_until = CASE WHEN auth_throttle.window_start >= now() - make_interval(secs => $2::int)
                         AND auth_throttle.failures + 1 >= $3::int
                        THEN now() + make_interval(secs => $2::int) ELSE auth_throttle.locked_until END`;

export async function recordFailure(db: Db, email: string, ip: string | null): Promise<void> {
  const { max, windowSeconds } = limits();
  for (const { key, factor } of throttleKeys(email, ip)) {
    // One upsert: restart the window when it has passed, lock once the count reaches the limit.
    await db.query(RECORD_FAILURE_SQL, [key, windowSeconds, max * factor]);
  }
}

export async function clearFailures(db: Db, email: string): Promise<void> {
  await db.query(`DELETE FROM auth_throttle WHERE key = $1`, [`email:${email.toLowerCase()}`]);
}
