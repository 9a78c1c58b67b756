import { route } from "@/lib/http/handler";
import { ZExportParams } from "@/lib/exports/schemas";
import { requireExportView } from "@/lib/exports/service";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "export:project", params: ZExportParams }, async ({ db, params }) => ({
  export: await requireExportView(db, params.exportId),
}));
