import { route } from "@/lib/http/handler";
import { getDb } from "@/lib/db";
import { getLeasedPair } from "@/lib/queue/claim";
import { undoLastLabel } from "@/lib/queue/submit";
import { ZProjectParams } from "@/lib/queue/params";

// POST /api/projects/:projectId/undo → { pairId, pair } — the decision taken back and its pair, to show again
export const POST = route({ permission: "annotate:pair", params: ZProjectParams }, async ({ user, params }) => {
  const db = await getDb();
  const { pairId } = await undoLastLabel(db, user.id, params.projectId);
  return { pairId, pair: await getLeasedPair(db, user.id, BigInt(pairId)) };
});
