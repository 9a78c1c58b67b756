import { route } from "@/lib/http/handler";
import { getProgress } from "@/lib/queue/progress";
import { ZProgressQuery } from "@/lib/queue/params";
import { ZProjectParams } from "@/lib/params";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "annotate:pair", input: ZProgressQuery, params: ZProjectParams }, async ({ db, user, input, params }) =>
  getProgress(db, user.id, params.projectId, input.tz),
);
