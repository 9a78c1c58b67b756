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

/** Seconds until sign-in may be tried again for any of these keys, or 0 when it may be tried now. */
export async function lockedForSeconds(db: Db, email: string, ip: string | null): Promise<number> {
  const keys = throttleKeys(email, ip).map((k) => k.key);
  const rows = await db.$queryRaw<{ wait: number | null }[]>`
    SELECT ceil(extract(epoch FROM max(locked_until) - now()))::int AS wait
    FROM auth_throttle WHERE key = ANY(${keys}::text[]) AND locked_until > now()`;
  return Math.max(0, rows[0]?.wait ?? 0);
}

export async function recordFailure(db: Db, email: string, ip: string | null): Promise<void> {
  const { max, windowSeconds } = limits();
  for (const { key, factor } of throttleKeys(email, ip)) {
    // One upsert: restart the window when it has passed, lock once the count reaches the limit.
    await db.$executeRaw`
      INSERT INTO auth_throttle (key, failures, window_start)
      VALUES (${key}, 1, now())
      ON CONFLICT (key) DO UPDATE SET
        failures = CASE WHEN auth_throttle.window_start < now() - make_interval(secs => ${windowSeconds})
                        THEN 1 ELSE auth_throttle.failures + 1 END,
        window_start = CASE WHEN auth_throttle.window_start < now() - make_interval(secs => ${windowSeconds})
                            THEN now() ELSE auth_throttle.window_start END,
        locked_until = CASE WHEN auth_throttle.window_start >= now() - make_interval(secs => ${windowSeconds})
                             AND auth_throttle.failures + 1 >= ${max * factor}
                            THEN now() + make_interval(secs => ${windowSeconds}) ELSE auth_throttle.locked_until END`;
  }
}

export async function clearFailures(db: Db, email: string): Promise<void> {
  await db.$executeRaw`DELETE FROM auth_throttle WHERE key = ${`email:${email.toLowerCase()}`}`;
}
