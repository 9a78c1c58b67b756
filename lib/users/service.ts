import "server-only";
import type { Db, SqlRunner } from "../db/connect";
import { ConflictError, InvalidError, NotFoundError } from "../errors";
import { hashPassword } from "../auth/password";
import { endSessions } from "../auth/sessions";
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

// The user as the service answers it (camelCase, as the Prisma model reads it).
const USER_COLUMNS = `id, email, name, password_hash AS "passwordHash", role::text AS role, disabled, is_demo AS "isDemo",
  created_at AS "createdAt", updated_at AS "updatedAt"`;

export interface TUserRow {
  id: number;
  email: string;
  name: string;
  passwordHash: string;
  role: TRole;
  disabled: boolean;
  isDemo: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export async function createUser(db: Db, actorId: number | null, raw: TNewUser): Promise<{ id: number; email: string; name: string; role: TRole }> {
  // Parse here too: callers that skip the boundary still get a lower-cased, validated email.
  const parsed = ZNewUser.safeParse(raw);
  if (!parsed.success) throw new InvalidError(parsed.error.issues.map((i) => i.message).join(" "));
  const input = parsed.data;
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [exists] = await tx.query(`SELECT id FROM users WHERE email = $1`, [input.email]);
    if (exists) throw new ConflictError(`A user with email ${input.email} already exists.`);
    const [user] = await tx.query<{ id: number; email: string; name: string; role: TRole }>(
      `INSERT INTO users (email, name, role, password_hash) VALUES ($1, $2, $3::"Role", $4) RETURNING id, email, name, role::text AS role`,
      [input.email, input.name, input.role, passwordHash],
    );
    await recordAudit(tx, { actorId, action: "user.create", subjectType: "user", subjectId: String(user!.id), data: { email: user!.email, role: user!.role } });
    return user!;
  });
}

async function guardLastAdmin(tx: SqlRunner, userId: number) {
  // Lock the active admins so two concurrent demotions cannot both see "another admin remains".
  const admins = await tx.query<{ id: number }>(`SELECT id FROM users WHERE role = 'admin' AND NOT disabled ORDER BY id FOR UPDATE`);
  if (!admins.some((a) => a.id !== userId)) {
    throw new InvalidError("This is the last active admin: make someone else admin first.");
  }
}

async function readUser(tx: SqlRunner, userId: number): Promise<TUserRow> {
  const [user] = await tx.query<TUserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [userId]);
  if (!user) throw new NotFoundError("User not found.");
  return user;
}

export async function setUserRole(db: Db, actorId: number, userId: number, role: TRole): Promise<TUserRow> {
  return db.transaction(async (tx) => {
    const user = await readUser(tx, userId);
    if (user.role === role) return user;
    if (user.role === "admin") await guardLastAdmin(tx, userId);
    const [updated] = await tx.query<TUserRow>(
      `UPDATE users SET role = $2::"Role", updated_at = now() WHERE id = $1 RETURNING ${USER_COLUMNS}`,
      [userId, role],
    );
    await recordAudit(tx, { actorId, action: "user.role", subjectType: "user", subjectId: String(userId), data: { from: user.role, to: role } });
    return updated!;
  });
}

export async function setUserDisabled(db: Db, actorId: number, userId: number, disabled: boolean): Promise<TUserRow> {
  return db.transaction(async (tx) => {
    const user = await readUser(tx, userId);
    if (disabled && userId === actorId) throw new InvalidError("You cannot disable your own account.");
    if (disabled && user.role === "admin") await guardLastAdmin(tx, userId);
    const [updated] = await tx.query<TUserRow>(
      `UPDATE users SET disabled = $2, updated_at = now() WHERE id = $1 RETURNING ${USER_COLUMNS}`,
      [userId, disabled],
    );
    if (disabled) {
      // Hand their open work back to the pool at once rather than when the leases expire.
      await tx.query(`DELETE FROM leases WHERE annotator_id = $1 AND submitted_at IS NULL`, [userId]);
      // For good: enabling the account again does not bring its old cookies back.
      await endSessions(tx, userId);
    }
    await recordAudit(tx, { actorId, action: disabled ? "user.disable" : "user.enable", subjectType: "user", subjectId: String(userId) });
    return updated!;
  });
}

export async function listUsers(db: Db) {
  return db.prisma.user.findMany({
    orderBy: [{ disabled: "asc" }, { role: "asc" }, { email: "asc" }],
    select: { id: true, email: true, name: true, role: true, disabled: true, createdAt: true },
  });
}
