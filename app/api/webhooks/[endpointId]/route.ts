import { route } from "@/lib/http/handler";
import { getDb } from "@/lib/db";
import { ZEndpointParams, ZEndpointUpdate } from "@/lib/webhooks/schemas";
import { deleteEndpoint, getEndpoint, updateEndpoint } from "@/lib/webhooks/service";

export const dynamic = "force-dynamic";

export const GET = route({ permission: "webhook:manage", params: ZEndpointParams }, async ({ params }) => ({
  endpoint: await getEndpoint(await getDb(), params.endpointId),
}));

// PATCH { url?, events?, description?, active? } → { endpoint }. Switching off holds queued deliveries.
export const PATCH = route({ permission: "webhook:manage", input: ZEndpointUpdate, params: ZEndpointParams }, async ({ user, input, params }) => ({
  endpoint: await updateEndpoint(await getDb(), user.id, params.endpointId, input),
}));

// DELETE → { ok }: the endpoint and its delivery log.
export const DELETE = route({ permission: "webhook:manage", params: ZEndpointParams }, async ({ user, params }) => {
  await deleteEndpoint(await getDb(), user.id, params.endpointId);
  return { ok: true };
});
