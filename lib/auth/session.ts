import "server-only";
import { cookies } from "next/headers";
import { decode } from "next-auth/jwt";
import { getDb } from "../db";
import { ForbiddenError, UnauthorizedError } from "../errors";
import { getAuthSecret } from "./secret";
import { can, type TPermission, type TRole } from "./permissions";

export interface TSessionUser {
  id: number;
  email: string;
  name: string;
  role: TRole;
}

const COOKIE_NAMES = ["__Secure-next-auth.session-token", "next-auth.session-token"];

/**
 * The signed-in user as the database knows them now, or null. The JWT only proves who they are;
 * role and disabled flag are read fresh on every call, so changes take effect immediately.
 */
export async function getSessionUser(): Promise<TSessionUser | null> {
  const jar = await cookies();
  const raw = COOKIE_NAMES.map((n) => jar.get(n)?.value).find(Boolean);
  if (!raw) return null;
  let userId: number;
  try {
    const token = await decode({ token: raw, secret: getAuthSecret() });
    userId = Number(token?.sub);
    if (!token || !Number.isSafeInteger(userId)) return null;
  } catch {
    return null; // tampered, expired or signed with an old secret: treated as signed out
  }
  const db = await getDb();
  const user = await db.user.findUnique({
    where: { id: userId },
    select: { id: true, email: true, name: true, role: true, disabled: true },
  });
  if (!user || user.disabled) return null;
  return { id: user.id, email: user.email, name: user.name, role: user.role };
}

export async function requireUser(): Promise<TSessionUser> {
  const user = await getSessionUser();
  if (!user) throw new UnauthorizedError("Sign in to continue.");
  return user;
}

export async function requirePermission(permission: TPermission): Promise<TSessionUser> {
  const user = await requireUser();
  if (!can(user.role, permission)) throw new ForbiddenError("You do not have permission to do that.");
  return user;
}
