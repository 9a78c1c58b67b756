import "server-only";
import type { Db } from "../db/connect";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import { hashPassword } from "../auth/password";
import { recordAudit } from "../audit/record";
import type { TRole } from "../auth/permissions";
import { z } from "zod";

export const ZNewUser = z.object({
  email: z.string().trim().toLowerCase().email("Enter a valid email address.").max(320),
  name: z.string().trim().min(1, "Enter a name.").max(120),
  role: z.enum(["admin", "reviewer", "annotator"]),
  password: z.string().min(10, "Passwords need at least 10 characters.").max(1024),
});
export type TNewUser = z.infer<typeof ZNewUser>;

export async function createUser(db: Db, actorId: number | null, raw: TNewUser) {
  // Parse here too: callers that skip the boundary still get a lower-cased, validated email.
  const parsed = ZNewUser.safeParse(raw);
  if (!parsed.success) throw new InvalidError(parsed.error.issues.map((i) => i.message).join(" "));
  const input = parsed.data;
  const passwordHash = await hashPassword(input.password);
  return db.$transaction(async (tx) => {
    const exists = await tx.user.findUnique({ where: { email: input.email }, select: { id: true } });
    if (exists) throw new ConflictError(`A user with email ${input.email} already exists.`);
    const user = await tx.user.create({
      data: { email: input.email, name: input.name, role: input.role, passwordHash },
      select: { id: true, email: true, name: true, role: true },
    });
    await recordAudit(tx, { actorId, action: "user.create", subjectType: "user", subjectId: String(user.id), data: { email: user.email, role: user.role } });
    return user;
  });
}

async function guardLastAdmin(tx: Pick<Db, "$queryRaw">, userId: number) {
  // Lock the active admins so two concurrent demotions cannot both see "another admin remains".
  const admins = await tx.$queryRaw<{ id: number }[]>`
    SELECT id FROM users WHERE role = 'admin' AND NOT disabled ORDER BY id FOR UPDATE`;
  if (!admins.some((a) => a.id !== userId)) {
    throw new InvalidError("This is the last active admin: make someone else admin first.");
  }
}

export async function setUserRole(db: Db, actorId: number, userId: number, role: TRole) {
  return db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId } });
    if (!user) throw new NotFoundError("User not found.");
    if (user.role === role) return user;
    if (user.role === "admin") await guardLastAdmin(tx, userId);
    const updated = await tx.user.update({ where: { id: userId }, data: { role } });
    await recordAudit(tx, { actorId, action: "user.role", subjectType: "user", subjectId: String(userId), data: { from: user.role, to: role } });
    return updated;
  });
}

export async function setUserDisabled(db: Db, actorId: number, userId: number, disabled: boolean) {
  return db.$transaction(async (tx) => {
    const user = await tx.user.findUnique({ where: { id: userId } });
    if (!user) throw new NotFoundError("User not found.");
    if (disabled && userId === actorId) throw new InvalidError("You cannot disable your own account.");
    if (disabled && user.role === "admin") await guardLastAdmin(tx, userId);
    const updated = await tx.user.update({ where: { id: userId }, data: { disabled } });
    if (disabled) {
      // Hand their open work back to the pool at once rather than when the leases expire.
      await tx.$executeRaw`DELETE FROM leases WHERE annotator_id = ${userId} AND submitted_at IS NULL`;
    }
    await recordAudit(tx, { actorId, action: disabled ? "user.disable" : "user.enable", subjectType: "user", subjectId: String(userId) });
    return updated;
  });
}

export async function listUsers(db: Db) {
  return db.user.findMany({
    orderBy: [{ disabled: "asc" }, { role: "asc" }, { email: "asc" }],
    select: { id: true, email: true, name: true, role: true, disabled: true, createdAt: true },
  });
}
