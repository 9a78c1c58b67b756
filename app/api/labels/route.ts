import { route } from "@/lib/http/handler";
import { claimNextPair } from "@/lib/queue/claim";
import { submitLabel } from "@/lib/queue/submit";
import { ZLabelRequest } from "@/lib/queue/schemas";
import { PausedError } from "@/lib/errors";

// POST /api/labels → { label, replayed, next? }. A replayed submissionId returns the stored label; with
// `claimNext` the next pair comes back as `next` (null when none), saving the page a round trip.
export const POST = route({ permission: "annotate:pair", input: ZLabelRequest }, async ({ db, user, input }) => {
  const { claimNext, ...decision } = input;
  const result = await submitLabel(db, user.id, decision);
  if (!claimNext) return result;
  try {
    const next = await claimNextPair(db, { projectId: claimNext.projectId, userId: user.id, exclude: claimNext.exclude });
    return { ...result, next };
  } catch (err) {
    // The decision is stored; a failed claim must not make it look lost. The page claims on its own.
    // A decision that paused its annotator (gold check) makes the follow-up claim refuse: expected.
    if (!(err instanceof PausedError)) console.error("[loupe] claim after submit failed", err);
    return result;
  }
});
