import { route } from "@/lib/http/handler";
import { getDb } from "@/lib/db";
import { undoLastLabel } from "@/lib/queue/submit";
import { ZProjectParams } from "@/lib/queue/params";

// POST /api/projects/:projectId/undo → { pairId } of the decision taken back
export const POST = route({ permission: "annotate:pair", params: ZProjectParams }, async ({ user, params }) =>
  undoLastLabel(await getDb(), user.id, params.projectId),
);
