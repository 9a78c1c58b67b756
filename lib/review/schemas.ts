import { z } from "zod";
import { ZPairId } from "../params";
import { FINAL_INSTRUCTION_MAX_CHARS, ROUTING_REASONS } from "./types";

// An empty select ("All") arrives as "", which means no filter.
const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

export const ZReviewFilters = z.object({
  reason: z.preprocess(blankToUndefined, z.enum(ROUTING_REASONS).optional()),
  task: z.preprocess(blankToUndefined, z.string().trim().max(200).optional()),
  subtask: z.preprocess(blankToUndefined, z.string().trim().max(200).optional()),
});
export type TReviewFiltersInput = z.infer<typeof ZReviewFilters>;

/** Ids the page shows or skipped: never handed back by the claim. Skips accumulate, so the cap is generous. */
const ZExcludeList = z.array(ZPairId).max(200);

export const ZReviewNextQuery = ZReviewFilters.extend({
  exclude: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(",").filter(Boolean) : []))
    .pipe(ZExcludeList),
});

export const ZReviewProjectParams = z.object({ projectId: z.coerce.number().int().positive() });
export const ZReviewPairParams = z.object({ pairId: ZPairId });

const ZAdjudicationFields = z.object({
  submissionId: z.uuid(),
  decision: z.enum(["accept", "reject", "recaption"]),
  instruction: z.string().trim().min(1)
    .max(FINAL_INSTRUCTION_MAX_CHARS, `A final instruction can be at most ${FINAL_INSTRUCTION_MAX_CHARS.toLocaleString("en")} characters.`).optional(),
  reasons: z.array(z.string().min(1).max(60)).max(20).default([]),
  note: z
    .string()
    .trim()
    .max(2000)
    .transform((s) => (s ? s : undefined))
    .optional(),
  promoteToGold: z.boolean().default(false),
  /** The pair's routed_at as seen: if an undo re-routed it meanwhile, the decision is on stale labels (409). */
  routedAt: z.iso.datetime().optional(),
});

function checkAdjudication(v: z.infer<typeof ZAdjudicationFields>, ctx: z.RefinementCtx) {
  if (v.decision === "reject" && v.reasons.length === 0) {
    ctx.addIssue({ code: "custom", path: ["reasons"], message: "Pick at least one reason for a reject." });
  }
  if (v.decision !== "reject" && v.reasons.length > 0) {
    ctx.addIssue({ code: "custom", path: ["reasons"], message: "Reasons are only given with a reject." });
  }
  if (v.decision === "recaption" && !v.instruction) {
    ctx.addIssue({ code: "custom", path: ["instruction"], message: "Write the final instruction for a re-caption." });
  }
}

export const ZAdjudication = ZAdjudicationFields.superRefine(checkAdjudication);
export type TAdjudication = z.infer<typeof ZAdjudication>;

/** POST /api/review/pairs/:pairId body: the adjudication and, optionally, the next claim in the same round trip. */
export const ZAdjudicationRequest = ZAdjudicationFields.extend({
  claimNext: ZReviewFilters.extend({
    projectId: z.number().int().positive(),
    exclude: ZExcludeList.default([]),
  }).optional(),
}).superRefine(checkAdjudication);

/** POST /api/review/pairs/:pairId/undo body: the adjudication to take back, by the submission id that made it. */
export const ZUndoAdjudication = z.object({ submissionId: z.uuid() });
