import { route } from "@/lib/http/handler";
import { ZImportParams } from "@/lib/imports/params";
import { requireImportView, streamImportReport } from "@/lib/imports/service";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "import:project", params: ZImportParams }, async ({ db, params }) => {
  await requireImportView(db, params.importId);
  return new Response(streamImportReport(db, params.importId), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="import-${params.importId}-report.csv"`,
      "Cache-Control": "no-store",
    },
  });
});
