import { route } from "@/lib/http/handler";
import { getDatabase } from "@/lib/db";
import { ZProjectParams } from "@/lib/queue/params";
import { getApiProgress } from "@/lib/api/progress";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "api:progress:read", token: true, params: ZProjectParams }, async ({ params }) =>
  getApiProgress(await getDatabase(), params.projectId),
);
