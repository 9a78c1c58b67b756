import { route } from "@/lib/http/handler";
import { ZProjectParams } from "@/lib/params";
import { getApiProgress } from "@/lib/pipeline-api/progress";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "api:progress:read", token: true, params: ZProjectParams }, async ({ db, params }) =>
  getApiProgress(db, params.projectId),
);
