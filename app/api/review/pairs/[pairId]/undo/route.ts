import { route } from "@/lib/http/handler";
import { undoAdjudication } from "@/lib/review/service";
import { ZReviewPairParams, ZUndoAdjudication } from "@/lib/review/schemas";

// POST /api/review/pairs/:pairId/undo { submissionId } → { pair }: the reviewer's own adjudication taken back
// within the undo window; the pair is back in review, claimed by them.
export const POST = route(
  { permission: "review:label:any", input: ZUndoAdjudication, params: ZReviewPairParams },
  async ({ db, user, input, params }) => ({ pair: await undoAdjudication(db, user.id, params.pairId, input.submissionId) }),
);
