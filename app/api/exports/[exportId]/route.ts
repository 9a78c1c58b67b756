import { route } from "@/lib/http/handler";
import { getDatabase } from "@/lib/db";
import { ZExportParams } from "@/lib/exports/schemas";
import { requireExportView } from "@/lib/exports/service";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "export:project", params: ZExportParams }, async ({ params }) => ({
  export: await requireExportView(await getDatabase(), params.exportId),
}));
