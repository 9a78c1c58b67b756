import { z } from "zod";
import { route } from "@/lib/http/handler";
import { reopenPair } from "@/lib/browse/actions";
import { ZPairId } from "@/lib/params";

// POST /api/projects/:projectId/pairs/:pairId/reopen → { status } — the pair open again for one more label
export const POST = route(
  { permission: "pairs:manage", params: z.object({ projectId: z.coerce.number().int().positive(), pairId: ZPairId }) },
  async ({ db, user, params }) => reopenPair(db, user, params.projectId, params.pairId),
);
