import { route } from "@/lib/http/handler";
import { getDatabase } from "@/lib/db";
import { getLeasedPair } from "@/lib/queue/claim";
import { undoLastLabel } from "@/lib/queue/submit";
import { ZProjectParams } from "@/lib/params";

// POST /api/projects/:projectId/undo → { pairId, pair } — the decision taken back and its pair, to show again
export const POST = route({ permission: "annotate:pair", params: ZProjectParams }, async ({ user, params }) => {
  const db = await getDatabase();
  const { pairId } = await undoLastLabel(db.prisma, user.id, params.projectId);
  return { pairId, pair: await getLeasedPair(db.runner, user.id, BigInt(pairId)) };
});
