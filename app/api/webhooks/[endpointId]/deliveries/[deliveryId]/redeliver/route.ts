import { route } from "@/lib/http/handler";
import { ZDeliveryParams } from "@/lib/webhooks/schemas";
import { redeliver } from "@/lib/webhooks/service";

// POST → { delivery }: the same event (same id and body) queued again as a new delivery.
export const POST = route({ permission: "webhook:manage", params: ZDeliveryParams }, async ({ db, user, params }) => ({
  delivery: await redeliver(db, user.id, params.endpointId, params.deliveryId),
}));
