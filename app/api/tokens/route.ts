import { route } from "@/lib/http/handler";
import { getDb } from "@/lib/db";
import { createApiToken, listApiTokens } from "@/lib/pipeline-api/tokens";
import { ZTokenCreate } from "@/lib/pipeline-api/token-types";

export const dynamic = "force-dynamic";

// Session only: a token cannot mint or list tokens.
export const POST = route({ permission: "api:token:manage", input: ZTokenCreate }, async ({ user, input }) =>
  createApiToken(await getDb(), user.id, input),
);

export const GET = route({ permission: "api:token:manage" }, async () => ({ tokens: await listApiTokens(await getDb()) }));
