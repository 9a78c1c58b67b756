import { route } from "@/lib/http/handler";
import { dataDir } from "@/lib/imports/config";
import { ZExportParams } from "@/lib/exports/schemas";
import { openExportDownload } from "@/lib/exports/service";

export const dynamic = "force-dynamic";

// Streams the data file (or a tar of the export's folder when it holds images as files) from disk.
export const GET = route({ permission: "export:project", params: ZExportParams }, async ({ db, params }) => {
  const d = await openExportDownload(db, dataDir(), params.exportId);
  const headers: Record<string, string> = {
    "Content-Type": d.kind === "tar" ? "application/x-tar" : d.name.endsWith(".csv") ? "text/csv; charset=utf-8" : "application/octet-stream",
    "Content-Disposition": `attachment; filename="${d.name}"`,
    "Cache-Control": "no-store",
  };
  if (d.kind === "file") headers["Content-Length"] = String(d.size);
  return new Response(d.stream(), { headers });
});
