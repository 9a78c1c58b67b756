import { route } from "@/lib/http/handler";
import { ZEndpointParams, ZEndpointUpdate } from "@/lib/webhooks/schemas";
import { deleteEndpoint, getEndpoint, updateEndpoint } from "@/lib/webhooks/service";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "webhook:manage", params: ZEndpointParams }, async ({ db, params }) => ({
  endpoint: await getEndpoint(db, params.endpointId),
}));

// PATCH { url?, events?, description?, active? } → { endpoint }. Switching off holds queued deliveries.
export const PATCH = route({ permission: "webhook:manage", input: ZEndpointUpdate, params: ZEndpointParams }, async ({ db, user, input, params }) => ({
  endpoint: await updateEndpoint(db, user.id, params.endpointId, input),
}));

export const DELETE = route({ permission: "webhook:manage", params: ZEndpointParams }, async ({ db, user, params }) => {
  await deleteEndpoint(db, user.id, params.endpointId);
  return { ok: true };
});
