import { route } from "@/lib/http/handler";
import { renewReviewClaim } from "@/lib/review/service";
import { ZReviewPairParams } from "@/lib/review/schemas";

// POST /api/review/pairs/:pairId/renew → { claimExpiresAt }: keeps the pair on screen claimed while the reviewer works.
export const POST = route({ permission: "review:label:any", params: ZReviewPairParams }, async ({ db, user, params }) =>
  renewReviewClaim(db, user.id, params.pairId),
);
