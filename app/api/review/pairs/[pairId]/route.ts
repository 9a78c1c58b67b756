import { route } from "@/lib/http/handler";
import { adjudicatePair, claimReviewPair } from "@/lib/review/service";
import { ZAdjudicationRequest, ZReviewPairParams } from "@/lib/review/schemas";

// POST /api/review/pairs/:pairId → { replayed, pair, next? }: settles the pair; a replayed submissionId
// answers the stored result; `claimNext` claims the next pair in the same round trip.
export const POST = route(
  { permission: "review:label:any", input: ZAdjudicationRequest, params: ZReviewPairParams },
  async ({ db, user, input, params }) => {
    const { claimNext, ...adjudication } = input;
    const result = await adjudicatePair(db, user, params.pairId, adjudication);
    if (!claimNext) return result;
    try {
      const { projectId, ...rest } = claimNext;
      const next = await claimReviewPair(db, { projectId, reviewerId: user.id, ...rest });
      return { ...result, next };
    } catch (err) {
      // The decision is stored; a failed claim must not make it look lost. The page claims on its own.
      console.error("[loupe] review claim after adjudication failed", err);
      return result;
    }
  },
);
