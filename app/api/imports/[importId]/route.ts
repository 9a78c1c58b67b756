import { route } from "@/lib/http/handler";
import { ZImportParams } from "@/lib/imports/params";
import { requireImportView } from "@/lib/imports/service";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "import:project", params: ZImportParams }, async ({ db, params }) => ({
  import: await requireImportView(db, params.importId),
}));
