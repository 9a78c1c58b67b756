import { route } from "@/lib/http/handler";
import { NotFoundError } from "@/lib/errors";
import { ZProjectParams } from "@/lib/params";
import { getVersionComparison } from "@/lib/calibration/versions";
import { versionComparisonJson } from "@/lib/calibration/versions-report";
import { DEFAULT_TARGET_PERCENT, toVersionFilter, ZVersionComparisonQuery } from "@/lib/calibration/schemas";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "api:calibration:read", token: true, input: ZVersionComparisonQuery, params: ZProjectParams }, async ({ db, input, params }) => {
  const c = await getVersionComparison(db, params.projectId, toVersionFilter(input));
  if (!c) throw new NotFoundError("Project not found.");
  return versionComparisonJson(c, (input.precision ?? DEFAULT_TARGET_PERCENT) / 100);
});
