import { route } from "@/lib/http/handler";
import { getDatabase } from "@/lib/db";
import { ZImportParams } from "@/lib/imports/params";
import { cancelImport } from "@/lib/imports/service";

export const dynamic = "force-dynamic";

export const POST = route({ permission: "import:project", params: ZImportParams }, async ({ user, params }) => ({
  import: await cancelImport(await getDatabase(), user.id, params.importId),
}));
