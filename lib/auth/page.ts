import "server-only";
import { forbidden, notFound, redirect } from "next/navigation";
import { getDatabase, type Db } from "../db";
import { can, type TPermission, type TSessionUser } from "./permissions";
import { getSessionUser } from "./session";
import { resetLinkEmail } from "./sessions";

/** The page guard: signed-out visitors go to sign-in, users without the permission get a 403. */
export async function requirePage(permission: TPermission, returnTo = "/"): Promise<{ user: TSessionUser; db: Db }> {
  const db = await getDatabase();
  const user = await getSessionUser(db);
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(returnTo)}`);
  if (!can(user.role, permission)) forbidden();
  return { user, db };
}

export async function getPageUser(): Promise<TSessionUser | null> {
  return getSessionUser(await getDatabase());
}

/** A page's `[projectId]` segment as a number; anything that is not a positive id is a 404. */
export function projectIdParam(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) notFound();
  return id;
}

/** The reset page's one read (pages never open the database): whose link this is, or null when unusable. */
export async function getResetPage(token: string): Promise<string | null> {
  if (token.length < 20 || token.length > 200) return null;
  return resetLinkEmail(await getDatabase(), token);
}
