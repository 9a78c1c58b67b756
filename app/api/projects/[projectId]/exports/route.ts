import { route } from "@/lib/http/handler";
import { getDatabase } from "@/lib/db";
import { ZProjectParams } from "@/lib/params";
import { ZExportCreate, ZExportListQuery } from "@/lib/exports/schemas";
import { createExport, listExports } from "@/lib/exports/service";

export const dynamic = "force-dynamic";

export const POST = route({ permission: "export:project", input: ZExportCreate, params: ZProjectParams }, async ({ user, input, params }) => ({
  export: await createExport(await getDatabase(), user, params.projectId, input),
}));

export const GET = route({ permission: "export:project", input: ZExportListQuery, params: ZProjectParams }, async ({ input, params }) => ({
  exports: await listExports(await getDatabase(), params.projectId, input),
}));
