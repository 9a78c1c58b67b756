import { z } from "zod";
import { ZPairId } from "../params";

export const ZNextQuery = z.object({
  exclude: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(",").filter(Boolean) : []))
    .pipe(z.array(ZPairId).max(10)),
  tz: z.string().max(64).optional(),
});
export const ZProgressQuery = z.object({ tz: z.string().max(64).optional() });
/** PUT …/progress/goal: the annotator's own daily goal in the project, null to clear it. */
export const ZDailyGoal = z.strictObject({
  goal: z.number({ error: "The goal is a whole number of pairs a day." }).int("The goal is a whole number of pairs a day.")
    .min(1, "A goal is at least 1 pair a day.").max(100_000, "A goal is at most 100,000 pairs a day.").nullable(),
});
