import { route } from "@/lib/http/handler";
import { getDatabase } from "@/lib/db";
import { ZSavedFilterInput, ZSavedFilterParams } from "@/lib/exports/schemas";
import { deleteSavedFilter, updateSavedFilter } from "@/lib/exports/service";

export const dynamic = "force-dynamic";

export const PUT = route({ permission: "export:project", input: ZSavedFilterInput, params: ZSavedFilterParams }, async ({ user, input, params }) => ({
  filter: await updateSavedFilter(await getDatabase(), user, params.projectId, params.filterId, input),
}));

export const DELETE = route({ permission: "export:project", params: ZSavedFilterParams }, async ({ user, params }) => {
  await deleteSavedFilter(await getDatabase(), user, params.projectId, params.filterId);
  return { ok: true };
});
