import { route } from "@/lib/http/handler";
import { getDb } from "@/lib/db";
import { setGoldActive, ZGoldActive } from "@/lib/quality/gold";
import { ZPairParams } from "@/lib/params";

// PUT /api/gold/:pairId/active { active } → retires (false) or reactivates (true) a gold pair.
export const PUT = route({ permission: "project:manage", input: ZGoldActive, params: ZPairParams }, async ({ user, input, params }) =>
  setGoldActive(await getDb(), user.id, params.pairId, input.active),
);
