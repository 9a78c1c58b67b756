import { route } from "@/lib/http/handler";
import { getDatabase } from "@/lib/db";
import { ZExportParams } from "@/lib/exports/schemas";
import { cancelExport } from "@/lib/exports/service";

export const dynamic = "force-dynamic";

export const POST = route({ permission: "export:project", params: ZExportParams }, async ({ user, params }) => ({
  export: await cancelExport(await getDatabase(), user, params.exportId),
}));
