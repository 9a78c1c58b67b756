import { route } from "@/lib/http/handler";
import { NotFoundError } from "@/lib/errors";
import { ZProjectParams } from "@/lib/params";
import { bestPrecision, binaryStats, thresholdForPrecision } from "@/lib/calibration/math";
import { getCalibration } from "@/lib/calibration/queries";
import { DEFAULT_TARGET_PERCENT, toFilter, ZCalibrationQuery } from "@/lib/calibration/schemas";

export const dynamic = "force-dynamic";

// The calibration page's figures as JSON, for notebooks and scripts: the same query string.
export const GET = route({ permission: "quality:view", input: ZCalibrationQuery, params: ZProjectParams }, async ({ db, input, params }) => {
  const c = await getCalibration(db, params.projectId, toFilter(input));
  if (!c) throw new NotFoundError("Project not found.");
  const target = (input.precision ?? DEFAULT_TARGET_PERCENT) / 100;
  return {
    ...c,
    targetPrecision: target,
    flagStats: binaryStats(c.flag),
    keepStats: binaryStats(c.keep),
    scopes: c.scopes.map((s) => ({ ...s, flagStats: binaryStats(s.flag), keepStats: binaryStats(s.keep) })),
    sweeps: c.sweeps.map((s) => ({ ...s, atTarget: thresholdForPrecision(s.points, target), mostPrecise: bestPrecision(s.points) })),
  };
});
