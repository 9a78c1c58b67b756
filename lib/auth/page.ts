import "server-only";
import { forbidden, notFound, redirect } from "next/navigation";
import { can, type TPermission, type TSessionUser } from "./permissions";
import { getSessionUser } from "./session";

/** For pages: signed-out visitors go to sign-in; signed-in users without the permission get a 403. */
export async function requirePageUser(permission: TPermission, returnTo = "/"): Promise<TSessionUser> {
  const user = await getSessionUser();
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(returnTo)}`);
  if (!can(user.role, permission)) forbidden();
  return user;
}

/** A page's `[projectId]` segment as a number; anything that is not a positive id is a 404. */
export function projectIdParam(raw: string): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) notFound();
  return id;
}
