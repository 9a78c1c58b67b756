import { route } from "@/lib/http/handler";
import { getDatabase } from "@/lib/db";
import { renewReviewClaim } from "@/lib/review/service";
import { ZReviewPairParams } from "@/lib/review/schemas";

// POST /api/review/pairs/:pairId/renew → { claimExpiresAt }: keeps the pair on screen claimed while the reviewer works.
export const POST = route({ permission: "review:label:any", params: ZReviewPairParams }, async ({ user, params }) =>
  renewReviewClaim((await getDatabase()).runner, user.id, params.pairId),
);
