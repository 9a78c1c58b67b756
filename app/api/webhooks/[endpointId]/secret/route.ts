import { route } from "@/lib/http/handler";
import { ZEndpointParams, ZSecretRotate } from "@/lib/webhooks/schemas";
import { rotateSecret } from "@/lib/webhooks/service";

// POST { keepPrevious } → { endpoint, secret }: a new signing secret, shown this once.
export const POST = route({ permission: "webhook:manage", input: ZSecretRotate, params: ZEndpointParams }, async ({ db, user, input, params }) =>
  rotateSecret(db, user.id, params.endpointId, input.keepPrevious),
);
