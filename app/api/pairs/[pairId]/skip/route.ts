import { route } from "@/lib/http/handler";
import { getDb } from "@/lib/db";
import { skipPair } from "@/lib/queue/submit";
import { ZPairParams } from "@/lib/params";

export const POST = route({ permission: "annotate:pair", params: ZPairParams }, async ({ user, params }) => {
  await skipPair(await getDb(), user.id, params.pairId);
  return { ok: true };
});
