import { route } from "@/lib/http/handler";
import { ZProjectParams } from "@/lib/params";
import { renameProject, setArchived } from "@/lib/projects/team";
import { requestProjectDeletion } from "@/lib/projects/purge";
import { ZProjectDelete, ZProjectPatch } from "@/lib/projects/schemas";

export const dynamic = "force-dynamic";

export const PATCH = route({ permission: "project:manage", input: ZProjectPatch, params: ZProjectParams }, async ({ db, user, input, params }) => {
  const out: { name?: string; archived?: boolean } = {};
  if (input.name !== undefined) out.name = (await renameProject(db, user.id, params.projectId, input.name)).name;
  if (input.archived !== undefined) out.archived = (await setArchived(db, user.id, params.projectId, input.archived)).archived;
  return { project: out };
});

export const DELETE = route({ permission: "project:manage", input: ZProjectDelete, params: ZProjectParams }, async ({ db, user, input, params }) =>
  requestProjectDeletion(db, user.id, params.projectId, input.confirmName),
);
