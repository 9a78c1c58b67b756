import { route } from "@/lib/http/handler";
import { ZProjectParams } from "@/lib/params";
import { ZSavedFilterInput } from "@/lib/exports/schemas";
import { createSavedFilter, listSavedFilters } from "@/lib/exports/service";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "export:project", params: ZProjectParams }, async ({ db, params }) => ({
  filters: await listSavedFilters(db, params.projectId),
}));

export const POST = route({ permission: "export:project", input: ZSavedFilterInput, params: ZProjectParams }, async ({ db, user, input, params }) => ({
  filter: await createSavedFilter(db, user, params.projectId, input),
}));
