import { route } from "@/lib/http/handler";
import { getLeasedPair } from "@/lib/queue/claim";
import { ZUndoRequest } from "@/lib/queue/schemas";
import { undoLastLabel } from "@/lib/queue/submit";
import { ZProjectParams } from "@/lib/params";

// POST /api/projects/:projectId/undo { pairId? } → { pairId, pair } — the decision taken back (on the pair
// named, else the latest) and its pair, to show again
export const POST = route({ permission: "annotate:pair", params: ZProjectParams, input: ZUndoRequest }, async ({ db, user, params, input }) => {
  const { pairId } = await undoLastLabel(db, user.id, params.projectId, input.pairId);
  return { pairId, pair: await getLeasedPair(db, user.id, BigInt(pairId)) };
});
