import { route } from "@/lib/http/handler";
import { requireProjectWork } from "@/lib/auth/project-access";
import { getProgress } from "@/lib/queue/progress";
import { ZProgressQuery } from "@/lib/queue/params";
import { ZProjectParams } from "@/lib/params";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "annotate:pair", input: ZProgressQuery, params: ZProjectParams }, async ({ db, user, input, params }) => {
  await requireProjectWork(db, params.projectId, user.id, "annotate");
  return getProgress(db, user.id, params.projectId, input.tz);
});
