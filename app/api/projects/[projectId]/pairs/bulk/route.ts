import { route } from "@/lib/http/handler";
import { runBulk, ZBulkRequest } from "@/lib/browse/actions";
import { ZProjectParams } from "@/lib/params";

// POST /api/projects/:projectId/pairs/bulk { action, filters, expected } → { changed, exportId? }
export const POST = route({ permission: "pairs:manage", params: ZProjectParams, input: ZBulkRequest }, async ({ db, user, params, input }) =>
  runBulk(db, user, params.projectId, input));
