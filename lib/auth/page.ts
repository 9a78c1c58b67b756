import "server-only";
import { forbidden, redirect } from "next/navigation";
import { can, type TPermission } from "./permissions";
import { getSessionUser, type TSessionUser } from "./session";

/** For pages: signed-out visitors go to sign-in; signed-in users without the permission get a 403. */
export async function requirePageUser(permission: TPermission, returnTo = "/"): Promise<TSessionUser> {
  const user = await getSessionUser();
  if (!user) redirect(`/signin?callbackUrl=${encodeURIComponent(returnTo)}`);
  if (!can(user.role, permission)) forbidden();
  return user;
}
