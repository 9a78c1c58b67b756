import { route } from "@/lib/http/handler";
import { ZExportParams } from "@/lib/exports/schemas";
import { cancelExport } from "@/lib/exports/service";

export const dynamic = "force-dynamic";

export const POST = route({ permission: "export:project", params: ZExportParams }, async ({ db, user, params }) => ({
  export: await cancelExport(db, user, params.exportId),
}));
