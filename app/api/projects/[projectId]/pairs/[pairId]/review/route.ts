import { z } from "zod";
import { route } from "@/lib/http/handler";
import { sendPairToReview } from "@/lib/browse/actions";
import { ZPairId } from "@/lib/params";

// POST /api/projects/:projectId/pairs/:pairId/review → { status } — a settled pair back to the review queue
export const POST = route(
  { permission: "pairs:manage", params: z.object({ projectId: z.coerce.number().int().positive(), pairId: ZPairId }) },
  async ({ db, user, params }) => sendPairToReview(db, user, params.projectId, params.pairId),
);
