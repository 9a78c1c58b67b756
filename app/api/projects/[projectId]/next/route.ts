import { route } from "@/lib/http/handler";
import { claimNextPair } from "@/lib/queue/claim";
import { ZNextQuery } from "@/lib/queue/params";
import { ZProjectParams } from "@/lib/params";

export const dynamic = "force-dynamic";

// GET /api/projects/:projectId/next?exclude=<pair ids on screen> → { pair: TClaimedPair | null }
export const GET = route({ permission: "annotate:pair", input: ZNextQuery, params: ZProjectParams }, async ({ db, user, input, params }) => {
  const pair = await claimNextPair(db, { projectId: params.projectId, userId: user.id, exclude: input.exclude });
  return { pair };
});
