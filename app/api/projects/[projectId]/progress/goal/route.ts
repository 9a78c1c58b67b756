import { route } from "@/lib/http/handler";
import { setDailyGoal } from "@/lib/queue/progress";
import { ZDailyGoal } from "@/lib/queue/params";
import { ZProjectParams } from "@/lib/params";

export const dynamic = "force-dynamic";

export const PUT = route({ permission: "annotate:pair", work: "annotate", input: ZDailyGoal, params: ZProjectParams }, async ({ db, user, input, params }) => {
  await setDailyGoal(db, user.id, params.projectId, input.goal);
  return { goal: input.goal };
});
