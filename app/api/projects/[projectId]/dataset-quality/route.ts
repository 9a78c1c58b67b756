import { route } from "@/lib/http/handler";
import { NotFoundError } from "@/lib/errors";
import { ZProjectParams } from "@/lib/params";
import { getDatasetQuality } from "@/lib/quality/audit";
import { ZDatasetQualityQuery } from "@/lib/quality/audit-schema";

export const dynamic = "force-dynamic";

// The Dataset quality page's figures as JSON: ?width= in percentage points adds the labels each stratum needs.
export const GET = route({ permission: "dataset:quality:view", input: ZDatasetQualityQuery, params: ZProjectParams }, async ({ db, input, params }) => {
  const q = await getDatasetQuality(db, params.projectId, input.width === undefined ? null : input.width / 100);
  if (!q) throw new NotFoundError("Project not found.");
  return q;
});
