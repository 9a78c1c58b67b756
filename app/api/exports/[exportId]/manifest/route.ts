import { route } from "@/lib/http/handler";
import { dataDir } from "@/lib/imports/config";
import { getStorage } from "@/lib/storage/config";
import { ZExportParams } from "@/lib/exports/schemas";
import { readExportManifest } from "@/lib/exports/service";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "export:project", params: ZExportParams }, async ({ db, params, req }) => {
  const text = await readExportManifest(db, dataDir(), params.exportId, getStorage());
  const attach = req.nextUrl.searchParams.get("download") === "1";
  return new Response(text, {
    headers: {
      "Content-Type": "application/json; charset=utf-8",
      "Cache-Control": "no-store",
      ...(attach ? { "Content-Disposition": `attachment; filename="export-${params.exportId}-manifest.json"` } : {}),
    },
  });
});
