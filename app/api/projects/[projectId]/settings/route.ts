import { route } from "@/lib/http/handler";
import { NotFoundError } from "@/lib/errors";
import { ZProjectParams } from "@/lib/params";
import { getProjectSettings, updateProjectSettings } from "@/lib/quality/settings";
import { getSettingsRecompute } from "@/lib/quality/recompute";
import { ZSettingsPatch } from "@/lib/quality/settings-schema";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "project:manage", params: ZProjectParams }, async ({ db, params }) => {
  const settings = await getProjectSettings(db, params.projectId);
  if (!settings) throw new NotFoundError("Project not found.");
  return { settings, recompute: await getSettingsRecompute(db, params.projectId) };
});

export const PATCH = route({ permission: "project:manage", input: ZSettingsPatch, params: ZProjectParams }, async ({ db, user, input, params }) =>
  updateProjectSettings(db, params.projectId, user.id, input),
);
