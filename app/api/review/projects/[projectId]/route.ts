import { route } from "@/lib/http/handler";
import { getReviewCounts } from "@/lib/review/queries";
import { ZReviewFilters, ZReviewProjectParams } from "@/lib/review/schemas";

export const dynamic = "force-dynamic";

// GET /api/review/projects/:projectId?reason=&task=&subtask= → TReviewCounts (the queue's size).
export const GET = route(
  { permission: "review:label:any", input: ZReviewFilters, params: ZReviewProjectParams },
  async ({ db, user, input, params }) => getReviewCounts(db, params.projectId, user.id, input),
);
