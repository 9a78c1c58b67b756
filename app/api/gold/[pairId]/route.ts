import { route } from "@/lib/http/handler";
import { updateGold, ZGoldUpdate } from "@/lib/quality/gold";
import { ZPairParams } from "@/lib/params";

// PATCH /api/gold/:pairId { decision, reasons, instruction } → the new answer and how the re-scoring went.
export const PATCH = route({ permission: "project:manage", input: ZGoldUpdate, params: ZPairParams }, async ({ db, user, input, params }) => {
  const gold = await updateGold(db, user.id, params.pairId, input);
  return { gold };
});
