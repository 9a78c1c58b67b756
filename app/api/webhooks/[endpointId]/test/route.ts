import { route } from "@/lib/http/handler";
import { ZEndpointParams } from "@/lib/webhooks/schemas";
import { sendTestEvent } from "@/lib/webhooks/service";

// POST → { delivery }: a "webhook.test" event queued for this endpoint; the log shows how it went.
export const POST = route({ permission: "webhook:manage", params: ZEndpointParams }, async ({ db, user, params }) => ({
  delivery: await sendTestEvent(db, user.id, params.endpointId),
}));
