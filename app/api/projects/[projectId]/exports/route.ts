import { route } from "@/lib/http/handler";
import { ZProjectParams } from "@/lib/params";
import { ZExportCreate, ZExportListQuery } from "@/lib/exports/schemas";
import { createExport, listExports } from "@/lib/exports/service";

export const dynamic = "force-dynamic";

export const POST = route({ permission: "export:project", input: ZExportCreate, params: ZProjectParams }, async ({ db, user, input, params }) => ({
  export: await createExport(db, user, params.projectId, input),
}));

export const GET = route({ permission: "export:project", input: ZExportListQuery, params: ZProjectParams }, async ({ db, input, params }) => ({
  exports: await listExports(db, params.projectId, input),
}));
