import { route } from "@/lib/http/handler";
import { ZDeliveryQuery, ZEndpointParams } from "@/lib/webhooks/schemas";
import { listDeliveries } from "@/lib/webhooks/service";

export const dynamic = "force-dynamic";

// GET ?before=<delivery id>&status=<status> → { items, nextCursor }: the log, newest first.
export const GET = route({ permission: "webhook:manage", input: ZDeliveryQuery, params: ZEndpointParams }, async ({ db, input, params }) =>
  listDeliveries(db, params.endpointId, input),
);
