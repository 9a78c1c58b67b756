// The audit round's inputs as zod schemas. Pure, so the page's form imports them too.
import { z } from "zod";

export const AUDIT_ALLOCATIONS = ["proportional", "equal"] as const;

/** Start a round: `size` pairs in all split by stratum size (proportional), or `size` from each stratum (equal). */
export const ZAuditRoundInput = z.strictObject({
  allocation: z.enum(AUDIT_ALLOCATIONS, { error: "Choose proportional or equal allocation." }),
  size: z.coerce
    .number({ error: "The sample size must be a whole number." })
    .int("The sample size must be a whole number.")
    .min(1, "The sample size must be at least 1.")
    .max(100_000, "The sample size can be at most 100,000."),
});
export type TAuditRoundInput = z.infer<typeof ZAuditRoundInput>;

/** The interval width the admin types, in percentage points (0.1–100); the estimate reads it as a fraction. */
export const ZWidthPoints = z.coerce
  .number({ error: "The width must be a number of percentage points." })
  .min(0.1, "The width must be between 0.1 and 100 percentage points.")
  .max(100, "The width must be between 0.1 and 100 percentage points.");

export const ZDatasetQualityQuery = z.strictObject({
  /** Interval width in percentage points. */
  width: ZWidthPoints.optional(),
});
