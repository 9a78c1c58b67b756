import { route } from "@/lib/http/handler";
import { getEarlierTurns } from "@/lib/queue/session";
import { ZPairParams } from "@/lib/params";

// The earlier turns of the pair's multi-turn session, loaded by the workbenches after the pair is shown.
export const GET = route({ permission: "annotate:pair", params: ZPairParams }, async ({ db, user, params }) => getEarlierTurns(db, user, params.pairId));
