import { route } from "@/lib/http/handler";
import { ZProjectParams } from "@/lib/params";
import { getTeam, setTeam } from "@/lib/projects/team";
import { ZTeamInput } from "@/lib/projects/schemas";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "project:manage", params: ZProjectParams }, async ({ db, params }) => ({ team: await getTeam(db, params.projectId) }));

export const PUT = route({ permission: "project:manage", input: ZTeamInput, params: ZProjectParams }, async ({ db, user, input, params }) => ({
  team: await setTeam(db, user.id, params.projectId, input),
}));
