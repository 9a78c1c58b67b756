import { route } from "@/lib/http/handler";
import { dataDir } from "@/lib/imports/config";
import { ZExportParams } from "@/lib/exports/schemas";
import { openExportDownload } from "@/lib/exports/service";
import { getStorage, serveConfig } from "@/lib/storage/config";
import { serveObject } from "@/lib/storage/serve";

export const dynamic = "force-dynamic";

function contentType(name: string, tar: boolean): string {
  return tar ? "application/x-tar" : name.endsWith(".csv") ? "text/csv; charset=utf-8" : "application/octet-stream";
}

// The data file (or a tar of the export's files when it holds images as files): from disk, or from the
// bucket by a presigned redirect (LOUPE_S3_SERVE=proxy streams it through Loupe instead).
export const GET = route({ permission: "export:project", params: ZExportParams }, async ({ db, params, req }) => {
  const d = await openExportDownload(db, dataDir(), params.exportId, getStorage());
  const disposition = `attachment; filename="${d.name}"`;
  if (d.kind === "object") {
    return serveObject(d.storage, d.key, req, {
      ...serveConfig(),
      contentType: contentType(d.name, false),
      immutable: false,
      disposition,
      missingMessage: "This export's files are no longer on the server; run the export again.",
    });
  }
  const headers: Record<string, string> = {
    "Content-Type": contentType(d.name, d.kind === "tar"),
    "Content-Disposition": disposition,
    "Cache-Control": "no-store",
  };
  if (d.kind === "file") headers["Content-Length"] = String(d.size);
  return new Response(d.stream(), { headers });
});
