import { route } from "@/lib/http/handler";
import { NotFoundError } from "@/lib/errors";
import { ZProjectParams } from "@/lib/params";
import { getVersionComparison, stepVersionSummary } from "@/lib/calibration/versions";
import { versionComparisonJson } from "@/lib/calibration/versions-report";
import { DEFAULT_TARGET_PERCENT, toVersionFilter, ZVersionComparisonQuery, ZVersionRefresh } from "@/lib/calibration/schemas";

export const dynamic = "force-dynamic";

// Verifier versions compared on the same pairs (the calibration page's section), as JSON.
export const GET = route({ permission: "quality:view", input: ZVersionComparisonQuery, params: ZProjectParams }, async ({ db, input, params }) => {
  const c = await getVersionComparison(db, params.projectId, toVersionFilter(input));
  if (!c) throw new NotFoundError("Project not found.");
  return versionComparisonJson(c, (input.precision ?? DEFAULT_TARGET_PERCENT) / 100);
});

// One step of computing the comparison's summary; the page calls it until `done`, showing the progress.
export const POST = route({ permission: "quality:view", input: ZVersionRefresh, params: ZProjectParams }, async ({ db, input, params }) => {
  const step = await stepVersionSummary(db, params.projectId, { restart: input.restart });
  if (!step) throw new NotFoundError("Project not found.");
  return step;
});
