import { route } from "@/lib/http/handler";
import { claimReviewPair } from "@/lib/review/service";
import { ZReviewNextQuery, ZReviewProjectParams } from "@/lib/review/schemas";

export const dynamic = "force-dynamic";

// POST /api/review/projects/:projectId/next {exclude: "<ids on screen or skipped>", reason, task, subtask}
// → { pair: TReviewPair | null }. Claims the pair for the reviewer (their own live claim first): a POST.
export const POST = route(
  { permission: "review:label:any", input: ZReviewNextQuery, params: ZReviewProjectParams },
  async ({ db, user, input, params }) => {
    const { exclude, ...filters } = input;
    const pair = await claimReviewPair(db, { projectId: params.projectId, reviewerId: user.id, exclude, ...filters });
    return { pair };
  },
);
