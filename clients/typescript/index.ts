// A typed client for the Loupe pipeline API: openapi-fetch over the types openapi-typescript generated from
// the OpenAPI document (schema.ts, `npm run api:types`). Copy this folder into a pipeline, or generate the
// types yourself from GET /api/v1/openapi.json (docs/guide/api.md).
import createClient, { type Client } from "openapi-fetch";
import type { components, paths, webhooks } from "./schema";

export type { components, paths, webhooks };
export type TLoupeClient = Client<paths>;

export function createLoupeClient(opts: { baseUrl: string; token: string; fetch?: (request: Request) => Promise<Response> }): TLoupeClient {
  return createClient<paths>({
    baseUrl: opts.baseUrl,
    headers: { Authorization: `Bearer ${opts.token}` },
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
  });
}
