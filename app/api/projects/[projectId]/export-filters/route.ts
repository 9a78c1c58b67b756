import { route } from "@/lib/http/handler";
import { getDatabase } from "@/lib/db";
import { ZProjectParams } from "@/lib/params";
import { ZSavedFilterInput } from "@/lib/exports/schemas";
import { createSavedFilter, listSavedFilters } from "@/lib/exports/service";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "export:project", params: ZProjectParams }, async ({ params }) => ({
  filters: await listSavedFilters(await getDatabase(), params.projectId),
}));

export const POST = route({ permission: "export:project", input: ZSavedFilterInput, params: ZProjectParams }, async ({ user, input, params }) => ({
  filter: await createSavedFilter(await getDatabase(), user, params.projectId, input),
}));
