import { route } from "@/lib/http/handler";
import { getDb } from "@/lib/db";
import { ZProjectCreate } from "@/lib/imports/schemas";
import { createProject } from "@/lib/projects/service";

export const dynamic = "force-dynamic";

export const POST = route({ permission: "project:manage", input: ZProjectCreate }, async ({ user, input }) => ({
  project: await createProject(await getDb(), user.id, input),
}));
