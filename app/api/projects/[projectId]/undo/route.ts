import { route } from "@/lib/http/handler";
import { getLeasedPair } from "@/lib/queue/claim";
import { undoLastLabel } from "@/lib/queue/submit";
import { ZProjectParams } from "@/lib/params";

// POST /api/projects/:projectId/undo → { pairId, pair } — the decision taken back and its pair, to show again
export const POST = route({ permission: "annotate:pair", params: ZProjectParams }, async ({ db, user, params }) => {
  const { pairId } = await undoLastLabel(db, user.id, params.projectId);
  return { pairId, pair: await getLeasedPair(db, user.id, BigInt(pairId)) };
});
