import { route } from "@/lib/http/handler";
import { ZProjectCreate } from "@/lib/imports/schemas";
import { createProject } from "@/lib/projects/service";

export const dynamic = "force-dynamic";

export const POST = route({ permission: "project:manage", input: ZProjectCreate }, async ({ db, user, input }) => ({
  project: await createProject(db, user.id, input),
}));
