import { route } from "@/lib/http/handler";
import { getDb } from "@/lib/db";
import { ZDeliveryQuery, ZEndpointParams } from "@/lib/webhooks/schemas";
import { listDeliveries } from "@/lib/webhooks/service";

export const dynamic = "force-dynamic";

// GET ?before=<delivery id>&status=<status> → { items, nextCursor }: the log, newest first.
export const GET = route({ permission: "webhook:manage", input: ZDeliveryQuery, params: ZEndpointParams }, async ({ input, params }) =>
  listDeliveries(await getDb(), params.endpointId, input),
);
