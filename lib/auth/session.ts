import "server-only";
import { cookies } from "next/headers";
import { decode } from "next-auth/jwt";
import type { Db } from "../db";
import { ForbiddenError, UnauthorizedError } from "../errors";
import { getAuthSecret } from "./secret";
import { secureCookies } from "./cookies";
import { can, type TPermission, type TSessionUser } from "./permissions";


// A prepared statement on the hot path of every request (decision 004).
const SESSION_USER_SQL = `SELECT id, email, name, role::text AS role, disabled FROM users WHERE id = $1`;

// Over https only the `__Secure-` cookie counts: a plain one could have been planted over http.
const SECURE_COOKIE = "__Secure-next-auth.session-token";
const PLAIN_COOKIE = "next-auth.session-token";

/** The signed-in user as the database knows them now (role and disabled read fresh), or null. */
export async function getSessionUser(db: Db): Promise<TSessionUser | null> {
  const jar = await cookies();
  const names = secureCookies() ? [SECURE_COOKIE] : [SECURE_COOKIE, PLAIN_COOKIE];
  const raw = names.map((n) => jar.get(n)?.value).find(Boolean);
  if (!raw) return null;
  const userId = await userIdFromToken(raw);
  if (userId === null) return null;
  const [user] = await db.query<TSessionUser & { disabled: boolean }>(SESSION_USER_SQL, [userId], "loupe_session_user");
  if (!user || user.disabled) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

// Decoding derives a key (HKDF) and decrypts a JWE, a pure function of the cookie, so it is cached per
// process. Only identity and expiry are cached: role and disabled flag are still read every request.
const tokenCache = new Map<string, { userId: number; exp: number }>();
const TOKEN_CACHE_MAX = 5_000;

async function userIdFromToken(raw: string): Promise<number | null> {
  const now = Date.now() / 1000;
  const hit = tokenCache.get(raw);
  if (hit && hit.exp > now) return hit.userId;
  try {
    const token = await decode({ token: raw, secret: getAuthSecret() });
    const userId = Number(token?.sub);
    if (!token || !Number.isSafeInteger(userId)) return null;
    const exp = typeof token.exp === "number" ? token.exp : now + 60;
    if (tokenCache.size >= TOKEN_CACHE_MAX) tokenCache.clear();
    tokenCache.set(raw, { userId, exp });
    return userId;
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
