import { z } from "zod";
import { ZPairId } from "../params";

/** The longest re-caption the server keeps; the page counts toward it while typing. */
export const RECAPTION_MAX_CHARS = 4000;


const ZLabelFields = z.object({
  pairId: ZPairId,
  submissionId: z.uuid(),
  decision: z.enum(["accept", "reject", "recaption"]),
  reasons: z.array(z.string().min(1).max(60)).max(20).default([]),
  recaption: z.string().trim().max(RECAPTION_MAX_CHARS, `A re-caption can be at most ${RECAPTION_MAX_CHARS.toLocaleString("en")} characters.`).optional(),
  secondsSpent: z.number().min(0).max(86_400),
});

function checkDecision(v: z.infer<typeof ZLabelFields>, ctx: z.RefinementCtx) {
  if (v.decision === "reject" && v.reasons.length === 0) {
    ctx.addIssue({ code: "custom", path: ["reasons"], message: "Pick at least one reason for a reject." });
  }
  if (v.decision === "recaption" && !v.recaption) {
    ctx.addIssue({ code: "custom", path: ["recaption"], message: "Write the instruction that describes the edit." });
  }
  if (v.decision !== "reject" && v.reasons.length > 0) {
    ctx.addIssue({ code: "custom", path: ["reasons"], message: "Reasons are only given with a reject." });
  }
}

export const ZSubmitLabel = ZLabelFields.superRefine(checkDecision);
export type TSubmitLabel = z.infer<typeof ZSubmitLabel>;

/** POST /api/labels body: a decision and, optionally, claim the next pair in the same round trip. */
export const ZLabelRequest = ZLabelFields.extend({
  claimNext: z
    .object({
      projectId: z.number().int().positive(),
      exclude: z.array(ZPairId).max(10).default([]),
    })
    .optional(),
}).superRefine(checkDecision);

/** POST /api/projects/:projectId/undo body: the pair whose decision to take back (the page's history names it), else the latest. */
export const ZUndoRequest = z.object({ pairId: ZPairId.optional() });
