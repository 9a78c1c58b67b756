import { route } from "@/lib/http/handler";
import { getDatabase } from "@/lib/db";
import { ZImportParams } from "@/lib/imports/params";
import { requireImportView } from "@/lib/imports/service";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "import:project", params: ZImportParams }, async ({ params }) => ({
  import: await requireImportView(await getDatabase(), params.importId),
}));
