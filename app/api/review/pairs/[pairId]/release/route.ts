import { route } from "@/lib/http/handler";
import { releaseReviewClaim } from "@/lib/review/service";
import { ZReviewPairParams } from "@/lib/review/schemas";

// POST /api/review/pairs/:pairId/release → { released }: the reviewer skips the pair; it goes back to the queue.
export const POST = route({ permission: "review:label:any", params: ZReviewPairParams }, async ({ db, user, params }) =>
  releaseReviewClaim(db, user.id, params.pairId),
);
