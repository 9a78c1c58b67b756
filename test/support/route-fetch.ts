import { NextRequest } from "next/server";
import * as openapiRoute from "@/app/api/v1/openapi.json/route";
import * as labelsRoute from "@/app/api/v1/projects/[projectId]/labels/route";
import * as pairsRoute from "@/app/api/v1/projects/[projectId]/pairs/route";
import * as progressRoute from "@/app/api/v1/projects/[projectId]/progress/route";
import type { Db } from "@/lib/db/connect";

// The pipeline API's route handlers served in the test's process, wrapper and all (token auth, scope, zod,
// JSON), as a fetch for a client: Next's router reduced to the /api/v1 routes. Listed by hand: the
// OpenAPI test compares the document with app/api/v1's route files, so a new route shows up there first.

type THandler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;
const asHandlers = (mod: object) => mod as Record<string, THandler>;
const ROUTES: { re: RegExp; handlers: Record<string, THandler> }[] = [
  { re: /^\/api\/v1\/openapi\.json$/, handlers: asHandlers(openapiRoute) },
  { re: /^\/api\/v1\/projects\/(?<projectId>[^/]+)\/pairs$/, handlers: asHandlers(pairsRoute) },
  { re: /^\/api\/v1\/projects\/(?<projectId>[^/]+)\/labels$/, handlers: asHandlers(labelsRoute) },
  { re: /^\/api\/v1\/projects\/(?<projectId>[^/]+)\/progress$/, handlers: asHandlers(progressRoute) },
];

/** Routes a request to its route module's handler; 404/405 as Next answers them. */
export async function serveApiV1(request: Request): Promise<Response> {
  const url = new URL(request.url);
  for (const r of ROUTES) {
    const m = r.re.exec(url.pathname);
    if (!m) continue;
    const handler = r.handlers[request.method];
    if (!handler) return new Response(null, { status: 405 });
    return handler(new NextRequest(request), { params: Promise.resolve({ ...m.groups }) });
  }
  return new Response(null, { status: 404 });
}

const globalForDb = globalThis as unknown as { __loupeDb?: Promise<Db> };

/** Makes `db` the process's database (lib/db getDatabase), which the handlers take; returns the undo. */
export function useAsProcessDatabase(db: Db): () => void {
  const saved = globalForDb.__loupeDb;
  globalForDb.__loupeDb = Promise.resolve(db);
  return () => {
    globalForDb.__loupeDb = saved;
  };
}
