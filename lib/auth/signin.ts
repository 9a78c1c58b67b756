import "server-only";
import type { Db } from "../db";
import { recordAudit } from "../audit/record";
import { getEnv } from "../env";
import { DUMMY_HASH, verifyPassword } from "./password";
import { countAttempt, forgiveAttempt, lockIfSpent, pruneThrottle, throttleLimits } from "./throttle";
import { clientAddress, parseTrustedProxies } from "./client-address";

/** A refused sign-in; its message is shown on the sign-in page. */
export class SignInError extends Error {}

// Below this many failed attempts left, the refusal says how many remain: the owner mistyping their
// password learns it before the account pauses, not after.
const WARN_WHEN_LEFT = 3;

export interface TSignedIn {
  id: number;
  email: string;
  name: string;
  sessionVersion: number;
}

/** The address to throttle by: only through a trusted proxy (LOUPE_TRUSTED_PROXIES), else none. */
export function signInAddress(forwardedFor: string | null | undefined): string | null {
  return clientAddress(forwardedFor, parseTrustedProxies(getEnv().LOUPE_TRUSTED_PROXIES));
}

function minutes(seconds: number): string {
  const m = Math.max(1, Math.ceil(seconds / 60));
  return `${m} minute${m === 1 ? "" : "s"}`;
}

/**
 * Checks an email and password. The attempt is counted first (in SQL, atomically), so parallel guesses get
 * no more password checks than the limit; failures and locks are audited.
 */
export async function signIn(db: Db, email: string, password: string, ip: string | null): Promise<TSignedIn> {
  await pruneThrottle(db);
  const attempt = await countAttempt(db, email, ip);
  if (attempt.wait > 0) {
    throw new SignInError(`Too many failed sign-in attempts. Try again in ${minutes(attempt.wait)}.`);
  }
  const user = await db.prisma.user.findUnique({ where: { email } });
  const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
  if (!user || !ok) {
    await recordAudit(db, { actorId: user?.id ?? null, action: "auth.signin_failed", subjectType: "user", subjectId: user ? String(user.id) : null, data: { email, ip } });
    const locked = await lockIfSpent(db, attempt);
    const { windowSeconds } = throttleLimits();
    for (const key of locked) {
      await recordAudit(db, { actorId: null, action: "auth.locked", subjectType: key.startsWith("ip:") ? "address" : "user", subjectId: user && key.startsWith("email:") ? String(user.id) : null, data: { key, minutes: Math.ceil(windowSeconds / 60), ip } });
    }
    if (locked.some((k) => k.startsWith("email:")) || attempt.left === 0) {
      throw new SignInError(`Email or password is incorrect. Sign-in to this account is now paused for ${minutes(windowSeconds)}.`);
    }
    if (attempt.left < WARN_WHEN_LEFT) {
      throw new SignInError(
        `Email or password is incorrect. ${attempt.left} more failed attempt${attempt.left === 1 ? "" : "s"} will pause sign-in to this account for ${minutes(windowSeconds)}.`,
      );
    }
    throw new SignInError("Email or password is incorrect.");
  }
  if (user.disabled) throw new SignInError("This account is disabled. Ask an admin to enable it.");
  await forgiveAttempt(db, email, ip);
  await recordAudit(db, { actorId: user.id, action: "auth.signin", subjectType: "user", subjectId: String(user.id), data: { ip } });
  return { id: user.id, email: user.email, name: user.name, sessionVersion: user.sessionVersion };
}
