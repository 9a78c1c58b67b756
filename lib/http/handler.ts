import "server-only";
import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { AppError, InvalidError } from "../errors";
import { requirePermission, type TSessionUser } from "../auth/session";
import type { TPermission } from "../auth/permissions";

export function errorResponse(err: unknown): NextResponse {
  if (err instanceof AppError) {
    return NextResponse.json({ error: { code: err.code, message: err.message, details: err.details } }, { status: err.status });
  }
  console.error("[loupe] unexpected error", err);
  return NextResponse.json({ error: { code: "internal", message: "Something went wrong on the server." } }, { status: 500 });
}

export function zodToInvalid(err: z.ZodError): InvalidError {
  const issues = err.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  const first = issues[0];
  return new InvalidError(first ? `${first.path || "input"}: ${first.message}` : "Invalid input.", issues);
}

type Ctx<P> = { params: Promise<P> };

/**
 * The one wrapper for route handlers: session → permission → zod-parsed input → handler → JSON,
 * with typed errors mapped to their status. Input is the JSON body for writes, the query for reads.
 */
export function route<S extends z.ZodType, P = Record<string, string>>(
  opts: { permission: TPermission; input?: S; params?: z.ZodType<P> },
  handler: (ctx: { user: TSessionUser; input: z.infer<S>; params: P; req: NextRequest }) => Promise<unknown>,
) {
  return async (req: NextRequest, ctx: Ctx<Record<string, string>>) => {
    try {
      const user = await requirePermission(opts.permission);
      const rawParams = ctx?.params ? await ctx.params : {};
      const params = opts.params ? parseOrThrow(opts.params, rawParams) : (rawParams as P);
      let input: unknown = undefined;
      if (opts.input) {
        let raw: unknown;
        if (req.method === "GET" || req.method === "HEAD") {
          raw = Object.fromEntries(req.nextUrl.searchParams);
        } else {
          const text = await req.text();
          try {
            raw = text ? JSON.parse(text) : {};
          } catch {
            throw new InvalidError("Request body is not valid JSON.");
          }
        }
        input = parseOrThrow(opts.input, raw);
      }
      const result = await handler({ user, input: input as z.infer<S>, params, req });
      if (result instanceof Response) return result;
      return NextResponse.json(result ?? { ok: true }, { headers: { "Cache-Control": "no-store" } });
    } catch (err) {
      return errorResponse(err);
    }
  };
}

export function parseOrThrow<T>(schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (!r.success) throw zodToInvalid(r.error);
  return r.data;
}
