import { route } from "@/lib/http/handler";
import { ZImportParams } from "@/lib/imports/params";
import { cancelImport } from "@/lib/imports/service";

export const dynamic = "force-dynamic";

export const POST = route({ permission: "import:project", params: ZImportParams }, async ({ db, user, params }) => ({
  import: await cancelImport(db, user.id, params.importId),
}));
