import { route } from "@/lib/http/handler";
import { countBulk, ZBulkCountRequest } from "@/lib/browse/actions";
import { ZProjectParams } from "@/lib/params";

// POST /api/projects/:projectId/pairs/bulk/count { action, filters } → { count, limit } — what a bulk action would change
export const POST = route({ permission: "pairs:manage", params: ZProjectParams, input: ZBulkCountRequest }, async ({ db, params, input }) =>
  countBulk(db, params.projectId, input.action, input.filters));
