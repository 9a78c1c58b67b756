import { route } from "@/lib/http/handler";
import { createApiToken, listApiTokens } from "@/lib/pipeline-api/tokens";
import { ZTokenCreate } from "@/lib/pipeline-api/token-types";

export const dynamic = "force-dynamic";

// Session only: a token cannot mint or list tokens.
export const POST = route({ permission: "api:token:manage", input: ZTokenCreate }, async ({ db, user, input }) =>
  createApiToken(db, user.id, input),
);

export const GET = route({ permission: "api:token:manage" }, async ({ db }) => ({ tokens: await listApiTokens(db) }));
