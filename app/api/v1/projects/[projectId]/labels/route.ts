import { route } from "@/lib/http/handler";
import { ZProjectParams } from "@/lib/params";
import { listFinalLabels } from "@/lib/pipeline-api/labels";
import { ZLabelsQuery } from "@/lib/pipeline-api/schemas";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "api:labels:read", token: true, input: ZLabelsQuery, params: ZProjectParams }, async ({ db, input, params }) =>
  listFinalLabels(db, params.projectId, input),
);
