import "server-only";
import type { Db } from "../db/connect";
import { InvalidError } from "../errors";
import { recordAudit } from "../audit/record";

// The demo's accounts share a published password (scripts/demo/seed.ts). They are fine in a database
// that holds nothing else; beside real users or projects they are a way in for anyone who has read the
// README. `npm start` refuses to serve that mix (scripts/cli.ts serve), and this is the way out.

export const DISABLE_DEMO_COMMAND = "npm run loupe -- demo:disable";

/** Why serving must not start (enabled demo accounts beside real users or projects), or null. */
export async function demoAccountsBlockingServe(db: Db): Promise<string | null> {
  const [row] = await db.query<{ demo: string[]; real_user: string | null; real_project: string | null }>(
    `SELECT ARRAY(SELECT email FROM users WHERE is_demo AND NOT disabled ORDER BY email) AS demo,
            (SELECT email FROM users WHERE NOT is_demo ORDER BY id LIMIT 1) AS real_user,
            (SELECT name FROM projects WHERE NOT is_demo ORDER BY id LIMIT 1) AS real_project`,
  );
  if (!row || row.demo.length === 0 || (row.real_user === null && row.real_project === null)) return null;
  const real = [row.real_user ? `user ${row.real_user}` : null, row.real_project ? `project "${row.real_project}"` : null]
    .filter(Boolean)
    .join(" and ");
  return (
    `Refusing to serve: the demo accounts (${row.demo.join(", ")}) are enabled, with their published password, ` +
    `beside real data (${real}). Disable them with: ${DISABLE_DEMO_COMMAND}`
  );
}

/** Disables every enabled demo account, hands their open pairs back and audits each; refuses to leave no admin. */
export async function disableDemoAccounts(db: Db): Promise<string[]> {
  return db.transaction(async (tx) => {
    const admins = await tx.query<{ id: number }>(
      `SELECT id FROM users WHERE role = 'admin' AND NOT disabled AND NOT is_demo ORDER BY id FOR UPDATE`,
    );
    const demoAdmins = await tx.query<{ id: number }>(`SELECT id FROM users WHERE role = 'admin' AND NOT disabled AND is_demo`);
    if (admins.length === 0 && demoAdmins.length > 0) {
      throw new InvalidError(
        "Disabling the demo accounts would leave no admin. Create yours first " +
          "(npm run loupe -- user:add --email you@example.org --role admin), then run demo:disable again.",
      );
    }
    const off = await tx.query<{ id: number; email: string }>(
      `UPDATE users SET disabled = true, updated_at = now() WHERE is_demo AND NOT disabled RETURNING id, email`,
    );
    if (off.length === 0) return [];
    await tx.query(`DELETE FROM leases WHERE annotator_id = ANY($1::int[]) AND submitted_at IS NULL`, [off.map((u) => u.id)]);
    for (const u of off) {
      await recordAudit(tx, { actorId: null, action: "user.disable", subjectType: "user", subjectId: String(u.id), data: { demo: true } });
    }
    return off.map((u) => u.email).sort();
  });
}
