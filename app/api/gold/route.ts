import { route } from "@/lib/http/handler";
import { promotePair, ZGoldPromote } from "@/lib/quality/gold";

// POST /api/gold { projectId, pairId } → the expected answer: promotes a final pair of that project to gold.
export const POST = route({ permission: "gold:promote", input: ZGoldPromote }, async ({ db, user, input }) => {
  const gold = await promotePair(db, user.id, input.projectId, input.pairId);
  return { gold };
});
