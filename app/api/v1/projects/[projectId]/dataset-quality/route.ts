import { route } from "@/lib/http/handler";
import { ZProjectParams } from "@/lib/params";
import { getApiDatasetQuality } from "@/lib/pipeline-api/dataset-quality";
import { ZDatasetQualityQuery } from "@/lib/quality/audit-schema";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "api:progress:read", token: true, input: ZDatasetQualityQuery, params: ZProjectParams }, async ({ db, input, params }) =>
  getApiDatasetQuality(db, params.projectId, input.width),
);
