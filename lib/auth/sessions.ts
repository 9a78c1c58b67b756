import "server-only";
import { randomBytes } from "node:crypto";
import { z } from "zod";
import type { Db } from "../db";
import type { SqlRunner } from "../db/sql";
import { recordAudit } from "../audit/record";
import { getEnv } from "../env";
import { ForbiddenError, InvalidError, NotFoundError } from "../errors";
import { hashPassword, verifyPassword } from "./password";
import { hashToken } from "./token-format";

// Every session cookie carries the user's session version at sign-in (the `sv` claim); session.ts
// refuses a cookie whose version is not the user's current one. Raising the version is how a session
// ends before its cookie expires (decision 021).

export const ZNewPassword = z.string().min(10, "Passwords need at least 10 characters.").max(1024);

/** How long an admin's reset link works. */
export const RESET_LINK_HOURS = 24;

/** Ends every session of the user signed in before now; returns the new version. Pass `tx` inside a transaction. */
export async function endSessions(tx: SqlRunner, userId: number): Promise<number> {
  const [row] = await tx.query<{ sv: number }>(
    `UPDATE users SET session_version = session_version + 1, updated_at = now() WHERE id = $1 RETURNING session_version AS sv`,
    [userId],
  );
  if (!row) throw new NotFoundError("User not found.");
  return row.sv;
}

/** "Sign out everywhere": this session ends too. */
export async function signOutEverywhere(db: Db, userId: number): Promise<void> {
  await db.transaction(async (tx) => {
    await endSessions(tx, userId);
    await recordAudit(tx, { actorId: userId, action: "auth.signout_everywhere", subjectType: "user", subjectId: String(userId) });
  });
}

/**
 * A password change by the user, who must give the current one. Every session ends; the caller gives the
 * session it was asked from a fresh cookie with the returned version, so only the others end.
 */
export async function changePassword(db: Db, userId: number, current: string, next: string): Promise<number> {
  const parsed = ZNewPassword.safeParse(next);
  if (!parsed.success) throw new InvalidError(parsed.error.issues[0]?.message ?? "Choose another password.");
  const [user] = await db.query<{ hash: string }>(`SELECT password_hash AS hash FROM users WHERE id = $1 AND NOT disabled`, [userId]);
  if (!user) throw new NotFoundError("User not found.");
  if (!(await verifyPassword(current, user.hash))) throw new InvalidError("The current password is not right.");
  if (current === next) throw new InvalidError("The new password is the same as the current one.");
  const hash = await hashPassword(next);
  return db.transaction(async (tx) => {
    await tx.query(`UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1`, [userId, hash]);
    const sv = await endSessions(tx, userId);
    await recordAudit(tx, { actorId: userId, action: "auth.password_changed", subjectType: "user", subjectId: String(userId) });
    return sv;
  });
}

/** The address of a reset link: under NEXTAUTH_URL when set, else the path alone for the admin to complete. */
export function resetLinkUrl(token: string): string {
  const base = getEnv().NEXTAUTH_URL?.replace(/\/+$/, "") ?? "";
  return `${base}/reset/${token}`;
}

/**
 * A one-time reset link for a user, made by an admin (`actorId`) or the CLI (null). Older unused links of
 * the user stop working. The user's sessions end only when the link is used.
 */
export async function createResetLink(db: Db, actorId: number | null, userId: number, via: "admin" | "cli"): Promise<{ token: string; url: string; email: string }> {
  const token = randomBytes(32).toString("base64url");
  return db.transaction(async (tx) => {
    const [user] = await tx.query<{ email: string; disabled: boolean }>(`SELECT email, disabled FROM users WHERE id = $1 FOR UPDATE`, [userId]);
    if (!user) throw new NotFoundError("User not found.");
    if (user.disabled) throw new InvalidError("This account is disabled: enable it before sending a reset link.");
    await tx.query(`UPDATE password_resets SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, [userId]);
    await tx.query(
      `INSERT INTO password_resets (token_hash, user_id, created_by, expires_at) VALUES ($1, $2, $3, now() + make_interval(hours => $4::int))`,
      [hashToken(token), userId, actorId, RESET_LINK_HOURS],
    );
    await recordAudit(tx, { actorId, action: "auth.reset_link", subjectType: "user", subjectId: String(userId), data: { via } });
    return { token, url: resetLinkUrl(token), email: user.email };
  });
}

const LINK_UNUSABLE = "This reset link has expired or was already used. Ask an admin for a new one.";

/** Whose link this is, for the reset page; null when it cannot be used. */
export async function resetLinkEmail(db: Db, token: string): Promise<string | null> {
  const [row] = await db.query<{ email: string }>(
    `SELECT u.email FROM password_resets r JOIN users u ON u.id = r.user_id
     WHERE r.token_hash = $1 AND r.used_at IS NULL AND r.expires_at > now() AND NOT u.disabled`,
    [hashToken(token)],
  );
  return row?.email ?? null;
}

/** Uses a reset link: sets the password, marks the link used and ends every session of the user. */
export async function resetPassword(db: Db, token: string, next: string): Promise<{ email: string }> {
  const parsed = ZNewPassword.safeParse(next);
  if (!parsed.success) throw new InvalidError(parsed.error.issues[0]?.message ?? "Choose another password.");
  const hash = await hashPassword(next);
  return db.transaction(async (tx) => {
    // The UPDATE … WHERE used_at IS NULL takes the row lock: of two submissions of one link, one wins.
    const [link] = await tx.query<{ userId: number }>(
      `UPDATE password_resets SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id AS "userId"`,
      [hashToken(token)],
    );
    if (!link) throw new ForbiddenError(LINK_UNUSABLE);
    const [user] = await tx.query<{ email: string }>(
      `UPDATE users SET password_hash = $2, updated_at = now() WHERE id = $1 AND NOT disabled RETURNING email`,
      [link.userId, hash],
    );
    if (!user) throw new ForbiddenError(LINK_UNUSABLE);
    await endSessions(tx, link.userId);
    await tx.query(`DELETE FROM auth_throttle WHERE key = $1`, [`email:${user.email}`]);
    await recordAudit(tx, { actorId: link.userId, action: "auth.password_reset", subjectType: "user", subjectId: String(link.userId) });
    return { email: user.email };
  });
}
