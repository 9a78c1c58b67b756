import { route } from "@/lib/http/handler";
import { getDatabase } from "@/lib/db";
import { ZExportParams } from "@/lib/export/schemas";
import { cancelExport } from "@/lib/export/service";

export const dynamic = "force-dynamic";

export const POST = route({ permission: "export:project", params: ZExportParams }, async ({ user, params }) => ({
  export: await cancelExport(await getDatabase(), user, params.exportId),
}));
