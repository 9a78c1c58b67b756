import { route } from "@/lib/http/handler";
import { ZSavedFilterInput, ZSavedFilterParams } from "@/lib/exports/schemas";
import { deleteSavedFilter, updateSavedFilter } from "@/lib/exports/service";

export const dynamic = "force-dynamic";

export const PUT = route({ permission: "export:project", input: ZSavedFilterInput, params: ZSavedFilterParams }, async ({ db, user, input, params }) => ({
  filter: await updateSavedFilter(db, user, params.projectId, params.filterId, input),
}));

export const DELETE = route({ permission: "export:project", params: ZSavedFilterParams }, async ({ db, user, params }) => {
  await deleteSavedFilter(db, user, params.projectId, params.filterId);
  return { ok: true };
});
