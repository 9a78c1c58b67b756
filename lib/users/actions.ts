"use server";

import { revalidatePath } from "next/cache";
import { z } from "zod";
import { action } from "../http/action";
import { createUser, setUserDisabled, setUserRole, ZNewUser } from "./service";

export const createUserAction = action("user:manage", ZNewUser, async ({ db, user: actor, input }) => {
  const user = await createUser(db, actor.id, input);
  revalidatePath("/admin/users");
  return { ok: true as const, message: `Created ${user.email} (${user.role}).` };
});

export const setRoleAction = action(
  "user:manage",
  z.object({ userId: z.coerce.number().int().positive(), role: z.enum(["admin", "reviewer", "annotator"]) }),
  async ({ db, user: actor, input }) => {
    const u = await setUserRole(db, actor.id, input.userId, input.role);
    revalidatePath("/admin/users");
    return { ok: true as const, message: `${u.email} is now ${u.role}.` };
  },
);

export const setDisabledAction = action(
  "user:manage",
  z.object({ userId: z.coerce.number().int().positive(), disabled: z.enum(["true", "false"]).transform((v) => v === "true") }),
  async ({ db, user: actor, input }) => {
    const u = await setUserDisabled(db, actor.id, input.userId, input.disabled);
    revalidatePath("/admin/users");
    return { ok: true as const, message: `${u.email} ${u.disabled ? "disabled" : "enabled"}.` };
  },
);
