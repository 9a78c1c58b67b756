import { route } from "@/lib/http/handler";
import { getDb } from "@/lib/db";
import { NotFoundError } from "@/lib/errors";
import { ZProjectParams } from "@/lib/params";
import { getProjectSettings, updateProjectSettings } from "@/lib/quality/settings";
import { ZSettingsPatch } from "@/lib/quality/settings-schema";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "project:manage", params: ZProjectParams }, async ({ params }) => {
  const settings = await getProjectSettings(await getDb(), params.projectId);
  if (!settings) throw new NotFoundError("Project not found.");
  return { settings };
});

export const PATCH = route({ permission: "project:manage", input: ZSettingsPatch, params: ZProjectParams }, async ({ user, input, params }) =>
  updateProjectSettings(await getDb(), params.projectId, user.id, input),
);
