import { route } from "@/lib/http/handler";
import { getDatabase } from "@/lib/db";
import { ZImportParams } from "@/lib/imports/params";
import { requireImportView, streamImportReport } from "@/lib/imports/service";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "import:project", params: ZImportParams }, async ({ params }) => {
  const database = await getDatabase();
  await requireImportView(database, params.importId);
  return new Response(streamImportReport(database, params.importId), {
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="import-${params.importId}-report.csv"`,
      "Cache-Control": "no-store",
    },
  });
});
