import { route } from "@/lib/http/handler";
import { ZProjectParams } from "@/lib/params";
import { ZEndpointCreate } from "@/lib/webhooks/schemas";
import { createEndpoint, listEndpoints } from "@/lib/webhooks/service";

export const dynamic = "force-dynamic";

// GET → { endpoints } (never their secrets). POST { url, events, description? } → { endpoint, secret }:
// the only answer that carries the new secret.
export const GET = route({ permission: "webhook:manage", params: ZProjectParams }, async ({ db, params }) => ({
  endpoints: await listEndpoints(db, params.projectId),
}));

export const POST = route({ permission: "webhook:manage", input: ZEndpointCreate, params: ZProjectParams }, async ({ db, user, input, params }) =>
  createEndpoint(db, user.id, params.projectId, input),
);
