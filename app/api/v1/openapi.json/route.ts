import { route } from "@/lib/http/handler";
import { openApiDocument } from "@/lib/pipeline-api/openapi";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "api:docs:read", token: true }, async () => openApiDocument());
