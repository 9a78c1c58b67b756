import "server-only";
import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { AppError, ForbiddenError, InvalidError, PayloadTooLargeError, UnauthorizedError } from "../errors";
import { requirePermission } from "../auth/session";
import { can, type TPermission, type TSessionUser } from "../auth/permissions";
import { authenticateBearer, BEARER_REALM, requireTokenScope, type TTokenAuth } from "../auth/bearer";
import { getDatabase, type Db } from "../db";

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

export interface TRouteOptions<S extends z.ZodType, P> {
  permission: TPermission;
  input?: S;
  params?: z.ZodType<P>;
  /** Also accept an API token: it acts as its owner, on its scope only (a `projectId` outside it is a 403). */
  token?: boolean;
  /** Refuse a larger request body with 413 before parsing it (default: no cap). */
  maxBodyBytes?: number;
}

/** The one route wrapper: auth → permission → zod input (body or query) → handler → JSON, typed errors to statuses. */
export function route<S extends z.ZodType, P = Record<string, string>>(
  opts: TRouteOptions<S, P>,
  handler: (ctx: { db: Db; user: TSessionUser; input: z.infer<S>; params: P; req: NextRequest; token: TTokenAuth | null }) => Promise<unknown>,
) {
  return async (req: NextRequest, ctx: Ctx<Record<string, string>>) => {
    try {
      const db = await getDatabase();
      const { user, token } = await authenticate(db, req, opts);
      const rawParams = ctx?.params ? await ctx.params : {};
      const params = opts.params ? parseOrThrow(opts.params, rawParams) : (rawParams as P);
      const projectId = (params as { projectId?: unknown } | null)?.projectId;
      if (token && typeof projectId === "number") requireTokenScope(token, projectId);
      let input: unknown = undefined;
      if (opts.input) {
        let raw: unknown;
        if (req.method === "GET" || req.method === "HEAD") {
          raw = Object.fromEntries(req.nextUrl.searchParams);
        } else {
          const text = await readBody(req, opts.maxBodyBytes);
          try {
            raw = text ? JSON.parse(text) : {};
          } catch {
            throw new InvalidError("Request body is not valid JSON.");
          }
        }
        input = parseOrThrow(opts.input, raw);
      }
      const result = await handler({ db, user, input: input as z.infer<S>, params, req, token });
      if (result instanceof Response) return result;
      return NextResponse.json(result ?? { ok: true }, { headers: { "Cache-Control": "no-store" } });
    } catch (err) {
      const res = errorResponse(err);
      if (opts.token && (err instanceof UnauthorizedError || err instanceof ForbiddenError)) {
        const challenge = (err as { challenge?: unknown }).challenge;
        if (typeof challenge === "string") res.headers.set("WWW-Authenticate", challenge);
        else if (err instanceof UnauthorizedError) res.headers.set("WWW-Authenticate", BEARER_REALM);
      }
      return res;
    }
  };
}

async function authenticate(db: Db, req: NextRequest, opts: { permission: TPermission; token?: boolean }): Promise<{ user: TSessionUser; token: TTokenAuth | null }> {
  if (opts.token) {
    const bearer = await authenticateBearer(db, req.headers.get("authorization"));
    if (bearer) {
      if (!can(bearer.user.role, opts.permission)) throw new ForbiddenError("The owner of this API token does not have permission to do that.");
      return bearer;
    }
  }
  return { user: await requirePermission(db, opts.permission), token: null };
}

async function readBody(req: NextRequest, max: number | undefined): Promise<string> {
  if (max === undefined || !req.body) return req.text();
  const declared = Number(req.headers.get("content-length"));
  const tooLarge = () => new PayloadTooLargeError(`The request body is larger than ${Math.floor(max / (1024 * 1024))} MB.`);
  if (Number.isFinite(declared) && declared > max) throw tooLarge();
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function parseOrThrow<T>(schema: z.ZodType<T>, raw: unknown): T {
  const r = schema.safeParse(raw);
  if (!r.success) throw zodToInvalid(r.error);
  return r.data;
}
