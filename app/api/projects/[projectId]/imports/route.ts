import { z } from "zod";
import { route } from "@/lib/http/handler";
import { ZProjectParams } from "@/lib/params";
import { imageRootFromEnv, importRoot } from "@/lib/imports/config";
import { ZImportRequest } from "@/lib/imports/schemas";
import { createImport, listImports } from "@/lib/imports/service";

export const dynamic = "force-dynamic";

export const POST = route({ permission: "import:project", input: ZImportRequest, params: ZProjectParams }, async ({ db, user, input, params }) => ({
  import: await createImport(db, user.id, params.projectId, input, { importRoot: importRoot(), imageRoot: imageRootFromEnv(), actorId: user.id }),
}));

const ZListQuery = z.object({ before: z.string().regex(/^\d{1,18}$/).optional(), limit: z.coerce.number().int().min(1).max(200).default(50) });

export const GET = route({ permission: "import:project", input: ZListQuery, params: ZProjectParams }, async ({ db, input, params }) => ({
  imports: await listImports(db, params.projectId, input),
}));
