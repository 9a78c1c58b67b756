import { route } from "@/lib/http/handler";
import { setGoldActive, ZGoldActive } from "@/lib/quality/gold";
import { ZPairParams } from "@/lib/params";

// PUT /api/gold/:pairId/active { active } → retires (false) or reactivates (true) a gold pair.
export const PUT = route({ permission: "project:manage", input: ZGoldActive, params: ZPairParams }, async ({ db, user, input, params }) =>
  setGoldActive(db, user.id, params.pairId, input.active),
);
