import "server-only";
import { cookies } from "next/headers";
import { decode, encode } from "next-auth/jwt";
import type { Db } from "../db";
import { ForbiddenError, UnauthorizedError } from "../errors";
import { getAuthSecret } from "./secret";
import { secureCookies } from "./cookies";
import { can, type TPermission, type TSessionUser } from "./permissions";
import { SESSION_MAX_AGE } from "./options";


// A prepared statement on the hot path of every request (decision 004).
const SESSION_USER_SQL = `SELECT id, email, name, role::text AS role, disabled, session_version AS sv FROM users WHERE id = $1`;

// Over https only the `__Secure-` cookie counts: a plain one could have been planted over http.
const SECURE_COOKIE = "__Secure-next-auth.session-token";
const PLAIN_COOKIE = "next-auth.session-token";
const cookieNames = () => (secureCookies() ? [SECURE_COOKIE] : [SECURE_COOKIE, PLAIN_COOKIE]);

/** The raw session cookie of this request, if any (the account page re-issues it after a password change). */
export async function sessionCookie(): Promise<{ name: string; value: string } | null> {
  const jar = await cookies();
  for (const name of cookieNames()) {
    const value = jar.get(name)?.value;
    if (value) return { name, value };
  }
  return null;
}

/** The signed-in user as the database knows them now (role, disabled flag and session version read fresh), or null. */
export async function getSessionUser(db: Db): Promise<TSessionUser | null> {
  const jar = await cookies();
  const raw = cookieNames().map((n) => jar.get(n)?.value).find(Boolean);
  if (!raw) return null;
  const claims = await claimsFromToken(raw);
  if (claims === null) return null;
  const [user] = await db.query<TSessionUser & { disabled: boolean; sv: number }>(SESSION_USER_SQL, [claims.userId], "loupe_session_user");
  // A session signed in before the user's last sign-out-everywhere, password change, reset or disable is over.
  if (!user || user.disabled || user.sv !== claims.sv) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

// Decoding derives a key (HKDF) and decrypts a JWE, a pure function of the cookie, so it is cached per
// process. Only identity, session version and expiry are cached: the user's row is still read every request.
const tokenCache = new Map<string, { userId: number; sv: number; exp: number }>();
const TOKEN_CACHE_MAX = 5_000;

async function claimsFromToken(raw: string): Promise<{ userId: number; sv: number } | null> {
  const now = Date.now() / 1000;
  const hit = tokenCache.get(raw);
  if (hit && hit.exp > now) return hit;
  try {
    const token = await decode({ token: raw, secret: getAuthSecret() });
    const userId = Number(token?.sub);
    if (!token || !Number.isSafeInteger(userId)) return null;
    const exp = typeof token.exp === "number" ? token.exp : now + 60;
    // Cookies from before session versions carry none: version 0, which every user starts at.
    const sv = typeof token.sv === "number" ? token.sv : 0;
    if (tokenCache.size >= TOKEN_CACHE_MAX) tokenCache.clear();
    const claims = { userId, sv, exp };
    tokenCache.set(raw, claims);
    return claims;
  } catch {
    return null; // tampered, expired or signed with an old secret: treated as signed out
  }
}

export async function requireUser(db: Db): Promise<TSessionUser> {
  const user = await getSessionUser(db);
  if (!user) throw new UnauthorizedError("Sign in to continue.");
  return user;
}

export async function requirePermission(db: Db, permission: TPermission): Promise<TSessionUser> {
  const user = await requireUser(db);
  if (!can(user.role, permission)) throw new ForbiddenError("You do not have permission to do that.");
  return user;
}

/**
 * Gives this request's session a fresh cookie at the user's new session version (server actions only:
 * pages cannot set cookies), so a password change ends the user's other sessions but not this one.
 */
export async function reissueSessionCookie(user: TSessionUser, sessionVersion: number): Promise<void> {
  const current = await sessionCookie();
  const name = current?.name ?? (secureCookies() ? SECURE_COOKIE : PLAIN_COOKIE);
  const value = await encode({ token: { sub: String(user.id), email: user.email, name: user.name, sv: sessionVersion }, secret: getAuthSecret(), maxAge: SESSION_MAX_AGE });
  const jar = await cookies();
  jar.set(name, value, { httpOnly: true, sameSite: "lax", path: "/", secure: name.startsWith("__Secure-"), maxAge: SESSION_MAX_AGE });
}
