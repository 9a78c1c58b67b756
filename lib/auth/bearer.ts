import "server-only";
import type { Db } from "../db/connect";
import { ForbiddenError, UnauthorizedError } from "../errors";
import { hashToken, parseAuthorization } from "./token-format";
import type { TRole, TSessionUser } from "./permissions";

// Bearer tokens for the pipeline API (RFC 6750): a token acts as its owner, with the owner's current role,
// on the projects in its scope only. route() calls this for routes with `token: true`.

export const BEARER_REALM = 'Bearer realm="loupe"';

/** A request the token does not authenticate: 401 with a WWW-Authenticate challenge. */
export class TokenRejectedError extends UnauthorizedError {
  readonly challenge: string;
  constructor(message: string, presented: boolean) {
    super(message);
    // error_description is a quoted-string: the messages here never hold a quote or a backslash.
    this.challenge = presented ? `${BEARER_REALM}, error="invalid_token", error_description="${message}"` : BEARER_REALM;
  }
}

/** A valid token asked for a project outside its scope (403, whether or not that project exists). */
export class TokenScopeError extends ForbiddenError {
  readonly challenge = `${BEARER_REALM}, error="insufficient_scope"`;
}

export interface TTokenAuth {
  tokenId: number;
  projectIds: number[];
}

interface TokenRow {
  id: number;
  user_id: number;
  email: string;
  name: string;
  role: TRole;
  disabled: boolean;
  revoked: boolean;
  expired: boolean;
  project_ids: number[];
}

// One statement per request: find the token by its hash with its owner and scope, and move last_used_at only
// when it is over a minute old, so a busy pipeline writes once a minute. The WITH's UPDATE runs regardless.
const TOKEN_SQL = `
WITH t AS (
  SELECT k.id, k.user_id, u.email, u.name, u.role::text AS role, u.disabled,
         k.revoked_at IS NOT NULL AS revoked, coalesce(k.expires_at <= now(), false) AS expired, k.last_used_at,
         ARRAY(SELECT s.project_id FROM api_token_projects s WHERE s.token_id = k.id ORDER BY s.project_id) AS project_ids
    FROM api_tokens k JOIN users u ON u.id = k.user_id
   WHERE k.token_hash = $1
), touch AS (
  UPDATE api_tokens k SET last_used_at = now()
    FROM t
   WHERE k.id = t.id AND NOT t.revoked AND NOT t.expired AND NOT t.disabled
     AND (t.last_used_at IS NULL OR t.last_used_at < now() - interval '1 minute')
)
SELECT id, user_id, email, name, role, disabled, revoked, expired, project_ids FROM t`;

/** The user and scope of a bearer token; null without a header (use the session); throws for any unusable token. */
export async function authenticateBearer(db: Db, header: string | null): Promise<{ user: TSessionUser; token: TTokenAuth } | null> {
  const bearer = parseAuthorization(header);
  if (bearer.kind === "none") return null;
  if (bearer.kind === "malformed") throw new TokenRejectedError("The Authorization header is not Bearer followed by a Loupe API token.", true);
  const [row] = await db.query<TokenRow>(TOKEN_SQL, [hashToken(bearer.token)], "loupe_api_token");
  if (!row) throw new TokenRejectedError("This API token is not recognised.", true);
  if (row.revoked) throw new TokenRejectedError("This API token was revoked.", true);
  if (row.expired) throw new TokenRejectedError("This API token has expired.", true);
  if (row.disabled) throw new TokenRejectedError("The owner of this API token is disabled.", true);
  return {
    user: { id: row.user_id, email: row.email, name: row.name, role: row.role },
    token: { tokenId: row.id, projectIds: row.project_ids.map(Number) },
  };
}

export function requireTokenScope(token: TTokenAuth, projectId: number): void {
  if (!token.projectIds.includes(projectId)) throw new TokenScopeError(`This API token is not scoped to project ${projectId}.`);
}
