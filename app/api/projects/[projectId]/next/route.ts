import { route } from "@/lib/http/handler";
import { claimNextPair } from "@/lib/queue/claim";
import { ZNextQuery } from "@/lib/queue/params";
import { ZProjectParams } from "@/lib/params";

export const dynamic = "force-dynamic";

// POST /api/projects/:projectId/next {exclude: "<pair ids on screen>"} → { pair: TClaimedPair | null }.
// A POST: it claims a lease, and no GET changes state.
export const POST = route({ permission: "annotate:pair", input: ZNextQuery, params: ZProjectParams }, async ({ db, user, input, params }) => {
  const pair = await claimNextPair(db, { projectId: params.projectId, userId: user.id, exclude: input.exclude });
  return { pair };
});
