import { z } from "zod";
import type { TCalibrationFilter } from "./report";
import type { TVersionFilter } from "./versions-report";

// The calibration page's URL (and the JSON route's query): ?task=&subtask=&gold=include&precision=90.
// The precision is a percentage, as the admin types it. An empty field ("All tasks") means no filter.

export const DEFAULT_TARGET_PERCENT = 90;

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : v);

export const ZCalibrationFilterQuery = z.object({
  task: z.preprocess(blankToUndefined, z.string().trim().max(200).optional()),
  subtask: z.preprocess(blankToUndefined, z.string().trim().max(200).optional()),
  gold: z.preprocess(blankToUndefined, z.enum(["include", "exclude"], { error: "gold must be include or exclude." }).optional()),
});

export const ZTargetPercent = z.preprocess(
  blankToUndefined,
  z.coerce
    .number({ error: "Target precision must be a number." })
    .min(0, "Target precision must be between 0 and 100%.")
    .max(100, "Target precision must be between 0 and 100%.")
    .optional(),
);

export const ZCalibrationQuery = ZCalibrationFilterQuery.extend({ precision: ZTargetPercent });

export function toFilter(q: z.infer<typeof ZCalibrationFilterQuery>): TCalibrationFilter {
  return { task: q.task, subtask: q.subtask, includeGold: q.gold === "include" };
}

/** The version comparison's query: the page's, plus `versions` (comma-separated names; none: every version). */
export const ZVersionComparisonQuery = ZCalibrationQuery.extend({
  versions: z.preprocess(blankToUndefined, z.string().max(4000).optional()),
});

export function toVersionFilter(q: z.infer<typeof ZVersionComparisonQuery>): TVersionFilter {
  const versions = q.versions?.split(",").map((v) => v.trim()).filter((v) => v !== "");
  return { ...toFilter(q), versions: versions && versions.length > 0 ? versions : undefined };
}

/** A step of computing the version summary; `restart` drops a run under way and starts over. */
export const ZVersionRefresh = z.object({ restart: z.boolean().optional() });
