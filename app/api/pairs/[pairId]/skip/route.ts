import { route } from "@/lib/http/handler";
import { skipPair } from "@/lib/queue/submit";
import { ZPairParams } from "@/lib/params";

export const POST = route({ permission: "annotate:pair", params: ZPairParams }, async ({ db, user, params }) => {
  await skipPair(db, user.id, params.pairId);
  return { ok: true };
});
