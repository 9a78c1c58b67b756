import { route } from "@/lib/http/handler";
import { getDatabase } from "@/lib/db";
import { releaseReviewClaim } from "@/lib/review/service";
import { ZReviewPairParams } from "@/lib/review/schemas";

// POST /api/review/pairs/:pairId/release → { released }: the reviewer skips the pair; it goes back to the queue.
export const POST = route({ permission: "review:label:any", params: ZReviewPairParams }, async ({ user, params }) =>
  releaseReviewClaim((await getDatabase()).runner, user.id, params.pairId),
);
