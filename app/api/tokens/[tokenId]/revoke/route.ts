import { z } from "zod";
import { route } from "@/lib/http/handler";
import { revokeApiToken } from "@/lib/pipeline-api/tokens";

export const dynamic = "force-dynamic";

const ZTokenParams = z.object({ tokenId: z.coerce.number().int().positive() });

export const POST = route({ permission: "api:token:manage", params: ZTokenParams }, async ({ db, user, params }) => ({
  token: await revokeApiToken(db, user.id, params.tokenId),
}));
