import "server-only";
import type { Db } from "../db/connect";
import { InvalidError, NotFoundError } from "../errors";
import { recordAudit } from "../audit/record";
import { generateToken } from "../auth/token-format";
import { ZTokenCreate, type TTokenCreate, type TTokenCreated, type TTokenView } from "./token-types";

// Creating, listing and revoking API tokens (bearer.ts checks them). The token text is returned once; only
// its sha256 is stored, and neither reaches the audit log.

const VIEW_SELECT = {
  id: true,
  name: true,
  hint: true,
  createdAt: true,
  expiresAt: true,
  lastUsedAt: true,
  revokedAt: true,
  user: { select: { id: true, name: true, email: true } },
  projects: { select: { project: { select: { id: true, name: true } } }, orderBy: { projectId: "asc" } },
} as const;

type TViewRow = {
  id: number;
  name: string;
  hint: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  user: { id: number; name: string; email: string };
  projects: { project: { id: number; name: string } }[];
};

// The same view as VIEW_SELECT, for the statements inside a transaction.
const VIEW_SQL = `
  SELECT t.id, t.name, t.hint, t.created_at AS "createdAt", t.expires_at AS "expiresAt", t.last_used_at AS "lastUsedAt",
         t.revoked_at AS "revokedAt", json_build_object('id', u.id, 'name', u.name, 'email', u.email) AS "user",
         coalesce((SELECT json_agg(json_build_object('project', json_build_object('id', p.id, 'name', p.name)) ORDER BY tp.project_id)
                   FROM api_token_projects tp JOIN projects p ON p.id = tp.project_id WHERE tp.token_id = t.id), '[]'::json) AS projects
  FROM api_tokens t JOIN users u ON u.id = t.user_id
  WHERE t.id = $1`;

function toView(r: TViewRow, now = new Date()): TTokenView {
  return {
    id: r.id,
    name: r.name,
    hint: r.hint,
    owner: r.user,
    projects: r.projects.map((p) => p.project),
    createdAt: r.createdAt.toISOString(),
    expiresAt: r.expiresAt?.toISOString() ?? null,
    lastUsedAt: r.lastUsedAt?.toISOString() ?? null,
    revokedAt: r.revokedAt?.toISOString() ?? null,
    status: r.revokedAt ? "revoked" : r.expiresAt && r.expiresAt <= now ? "expired" : "active",
  };
}

export async function createApiToken(db: Db, actorId: number, raw: TTokenCreate): Promise<TTokenCreated> {
  const parsed = ZTokenCreate.safeParse(raw);
  if (!parsed.success) throw new InvalidError(parsed.error.issues.map((i) => i.message).join(" "));
  const input = parsed.data;
  const { token, hash, hint } = generateToken();
  const view = await db.transaction(async (tx) => {
    const found = await tx.query<{ id: number }>(`SELECT id FROM projects WHERE id = ANY($1::int[])`, [input.projectIds]);
    const missing = input.projectIds.filter((id) => !found.some((p) => p.id === id));
    if (missing.length > 0) throw new NotFoundError(`No project with id ${missing.join(", ")}.`);
    const expiresAt = input.expiresInDays === null ? null : new Date(Date.now() + input.expiresInDays * 86_400_000);
    const [inserted] = await tx.query<{ id: number }>(
      `INSERT INTO api_tokens (user_id, name, token_hash, hint, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [actorId, input.name, hash, hint, expiresAt],
    );
    await tx.query(
      `INSERT INTO api_token_projects (token_id, project_id) SELECT $1, unnest($2::int[])`,
      [inserted!.id, input.projectIds],
    );
    const [created] = await tx.query<TViewRow>(VIEW_SQL, [inserted!.id]);
    await recordAudit(tx, {
      actorId,
      action: "api_token.create",
      subjectType: "api_token",
      subjectId: String(created!.id),
      data: { name: input.name, hint, projectIds: input.projectIds, expiresAt: expiresAt?.toISOString() ?? null },
    });
    return toView(created!);
  });
  return { token, view };
}

/** Every token, active first, newest first: admins see and can revoke each other's tokens too. */
export async function listApiTokens(db: Db): Promise<TTokenView[]> {
  const rows = await db.prisma.apiToken.findMany({ select: VIEW_SELECT, orderBy: [{ id: "desc" }], take: 500 });
  const now = new Date();
  const views = rows.map((r) => toView(r, now));
  return [...views.filter((v) => v.status === "active"), ...views.filter((v) => v.status !== "active")];
}

/** Revokes at once (the next request with it answers 401). Revoking a revoked token changes nothing. */
export async function revokeApiToken(db: Db, actorId: number, tokenId: number): Promise<TTokenView> {
  return db.transaction(async (tx) => {
    const rows = await tx.query<{ name: string; userId: number }>(
      `UPDATE api_tokens SET revoked_at = now(), revoked_by = $2 WHERE id = $1 AND revoked_at IS NULL RETURNING name, user_id AS "userId"`,
      [tokenId, actorId],
    );
    if (rows.length === 1) {
      await recordAudit(tx, {
        actorId,
        action: "api_token.revoke",
        subjectType: "api_token",
        subjectId: String(tokenId),
        data: { name: rows[0]!.name, ownerId: rows[0]!.userId },
      });
    }
    const [token] = await tx.query<TViewRow>(VIEW_SQL, [tokenId]);
    if (!token) throw new NotFoundError("API token not found.");
    return toView(token);
  });
}
