import { route } from "@/lib/http/handler";
import { ZProjectParams } from "@/lib/params";
import { updateReasons } from "@/lib/projects/team";
import { ZReasonsInput } from "@/lib/projects/schemas";

export const dynamic = "force-dynamic";

export const PUT = route({ permission: "project:manage", input: ZReasonsInput, params: ZProjectParams }, async ({ db, user, input, params }) => ({
  reasons: await updateReasons(db, user.id, params.projectId, input.reasons),
}));
