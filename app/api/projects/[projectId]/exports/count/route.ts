import { route } from "@/lib/http/handler";
import { ZProjectParams } from "@/lib/params";
import { ZExportCountRequest } from "@/lib/exports/schemas";
import { countExportPairs } from "@/lib/exports/service";

export const dynamic = "force-dynamic";

// A POST because the filters are a JSON body; it changes nothing.
export const POST = route({ permission: "export:project", input: ZExportCountRequest, params: ZProjectParams }, async ({ db, input, params }) =>
  countExportPairs(db, params.projectId, input.filters, input.exact),
);
