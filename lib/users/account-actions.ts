"use server";

import { z } from "zod";
import { action, publicAction } from "../http/action";
import { reissueSessionCookie } from "../auth/session";
import { changePassword, createResetLink, resetPassword, signOutEverywhere } from "../auth/sessions";
import { InvalidError } from "../errors";

const ZChangePassword = z.object({
  current: z.string().min(1, "Enter your current password.").max(1024),
  next: z.string().max(1024),
  confirm: z.string().max(1024),
});

export const changePasswordAction = action("account:manage", ZChangePassword, async ({ db, user, input }) => {
  if (input.next !== input.confirm) throw new InvalidError("The new password and its confirmation differ.");
  const sv = await changePassword(db, user.id, input.current, input.next);
  await reissueSessionCookie(user, sv);
  return { ok: true as const, message: "Password changed. Every other session is signed out." };
});

export const signOutEverywhereAction = action("account:manage", z.object({}), async ({ db, user }) => {
  await signOutEverywhere(db, user.id);
  return { ok: true as const, message: "Signed out everywhere, here too." };
});

export const createResetLinkAction = action("user:manage", z.object({ userId: z.coerce.number().int().positive() }), async ({ db, user: actor, input }) => {
  const link = await createResetLink(db, actor.id, input.userId, "admin");
  return { ok: true as const, message: `One-time reset link for ${link.email} (works once, for 24 hours): ${link.url}` };
});

const ZReset = z.object({ token: z.string().min(20).max(200), next: z.string().max(1024), confirm: z.string().max(1024) });

export const resetPasswordAction = publicAction(ZReset, async ({ db, input }) => {
  if (input.next !== input.confirm) throw new InvalidError("The new password and its confirmation differ.");
  const { email } = await resetPassword(db, input.token, input.next);
  return { ok: true as const, message: `Password set for ${email}. Sign in with it now.` };
});
