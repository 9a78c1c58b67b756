import "server-only";
import { NextRequest, NextResponse } from "next/server";
import { z } from "zod";
import { AppError, ForbiddenError, InvalidError, PayloadTooLargeError, UnauthorizedError, UnsupportedMediaTypeError } from "../errors";
import { getEnv } from "../env";
import { requirePermission } from "../auth/session";
import { can, type TPermission, type TSessionUser } from "../auth/permissions";
import { authenticateBearer, BEARER_REALM, requireTokenScope, type TTokenAuth } from "../auth/bearer";
import { requireProjectWork } from "../auth/project-access";
import type { TProjectWork } from "../auth/project-work";
import { getDatabase, type Db } from "../db";
import { crossSiteRefusal, isJsonContentType } from "./origin";
import { issueText, validationMessage } from "./messages";

// Every route has a body cap (decision 021): a JSON body is small; a route that takes none gets room
// for nothing more than a stray empty object. Routes that need more say so (`maxBodyBytes`).
export const DEFAULT_JSON_BODY_BYTES = 1024 * 1024;
export const NO_BODY_BYTES = 16 * 1024;

/** What the wrapper was told about a handler, kept on it so the authorization matrix test can read it. */
export interface TRouteMeta {
  permission: TPermission;
  token: boolean;
  input: boolean;
}

export function errorResponse(err: unknown): NextResponse {
  if (err instanceof AppError) {
    return NextResponse.json({ error: { code: err.code, message: err.message, details: err.details } }, { status: err.status });
  }
  console.error("[loupe] unexpected error", err);
  return NextResponse.json({ error: { code: "internal", message: "Something went wrong on the server." } }, { status: 500 });
}

/** A failed parse as a 400 whose message is written for people (lib/http/messages.ts); the paths stay in the details. */
export function zodToInvalid(err: z.ZodError): InvalidError {
  const issues = err.issues.map((i) => ({ path: i.path.join("."), message: issueText(i) }));
  const first = issues[0];
  return new InvalidError(first ? validationMessage(err) : "The request is not valid.", issues);
}

type Ctx<P> = { params: Promise<P> };

/** The zod schemas a route() or action() parses its input with, kept on the handler for tests. */
export interface TInputSchemas {
  input?: z.ZodType;
  params?: z.ZodType;
  /** Server actions: the input is FormData, so every value arrives as a string. */
  form?: true;
}

export interface TRouteOptions<S extends z.ZodType, P> {
  permission: TPermission;
  input?: S;
  params?: z.ZodType<P>;
  /** Also accept an API token: it acts as its owner, on its scope only (a `projectId` outside it is a 403). */
  token?: boolean;
  /**
   * Refuse a larger request body with 413, by Content-Length before reading and while streaming
   * (default: DEFAULT_JSON_BODY_BYTES with `input`, NO_BODY_BYTES without). A function is read per request
   * (a cap from the environment); a handler that streams the body itself must enforce it while streaming.
   */
  maxBodyBytes?: number | (() => number);
  /** Names the cap in the 413's message when it is a setting people can change ("this server's upload limit"). */
  maxBodyName?: string;
  /**
   * The work the caller must be allowed on the `projectId` param's project (its team, not archived:
   * requireProjectWork), checked before the body is read, so a refusal never depends on what was sent.
   */
  work?: TProjectWork;
}

/** The one route wrapper: auth → permission → zod input (body or query) → handler → JSON, typed errors to statuses. */
export function route<S extends z.ZodType, P = Record<string, string>>(
  opts: TRouteOptions<S, P>,
  handler: (ctx: { db: Db; user: TSessionUser; input: z.infer<S>; params: P; req: NextRequest; token: TTokenAuth | null }) => Promise<unknown>,
) {
  const meta: TRouteMeta = { permission: opts.permission, token: opts.token === true, input: opts.input !== undefined };
  const wrapped = async (req: NextRequest, ctx: Ctx<Record<string, string>>) => {
    try {
      const max = typeof opts.maxBodyBytes === "function" ? opts.maxBodyBytes() : (opts.maxBodyBytes ?? (opts.input ? DEFAULT_JSON_BODY_BYTES : NO_BODY_BYTES));
      const declared = Number(req.headers.get("content-length") ?? "");
      if (Number.isFinite(declared) && declared > max) throw tooLarge(max, opts.maxBodyName);
      const db = await getDatabase();
      const { user, token } = await authenticate(db, req, opts);
      const rawParams = ctx?.params ? await ctx.params : {};
      const params = opts.params ? parseOrThrow(opts.params, rawParams) : (rawParams as P);
      const projectId = (params as { projectId?: unknown } | null)?.projectId;
      if (token && typeof projectId === "number") requireTokenScope(token, projectId);
      if (opts.work && typeof projectId === "number") await requireProjectWork(db, projectId, user.id, opts.work);
      let input: unknown = undefined;
      if (opts.input) {
        let raw: unknown;
        if (req.method === "GET" || req.method === "HEAD") {
          raw = Object.fromEntries(req.nextUrl.searchParams);
        } else {
          // A form can post text/plain across sites without a preflight; a JSON body must say it is JSON.
          if (!token && req.body && !isJsonContentType(req.headers.get("content-type"))) {
            throw new UnsupportedMediaTypeError("Send the request body as JSON (Content-Type: application/json).");
          }
          const text = await readBody(req, max);
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
  // The schemas ride along too, so the input fuzz test (lib/http/inputs-fuzz.test.ts) finds every route's.
  return Object.assign(wrapped, { loupeRoute: meta, loupeInputs: { input: opts.input, params: opts.params } satisfies TInputSchemas });
}

/**
 * The body cap for a handler the wrapper cannot own (next-auth's): 413 by Content-Length, else the body is
 * read under the cap and handed on as a fresh request, so a chunked body cannot grow past it either.
 */
export function bounded<C>(fn: (req: NextRequest, ctx: C) => Promise<Response>, max = NO_BODY_BYTES) {
  return async (req: NextRequest, ctx: C): Promise<Response> => {
    try {
      const declared = Number(req.headers.get("content-length") ?? "");
      if (Number.isFinite(declared) && declared > max) throw tooLarge(max);
      if (!req.body) return await fn(req, ctx);
      const text = await readBody(req, max);
      return await fn(new NextRequest(req.url, { method: req.method, headers: req.headers, body: text }), ctx);
    } catch (err) {
      return errorResponse(err);
    }
  };
}

function tooLarge(max: number, name?: string): PayloadTooLargeError {
  const size = max >= 1024 * 1024 ? `${Math.floor(max / (1024 * 1024))} MB` : `${Math.max(1, Math.floor(max / 1024))} KB`;
  return new PayloadTooLargeError(name ? `The request body is larger than ${name} of ${size}.` : `The request body is larger than ${size}.`);
}

/** Refuses a cookie-authenticated request that changes state from another site (CSRF), before the session is read. */
export function requireSameOrigin(method: string, headers: { get(name: string): string | null }): void {
  const why = crossSiteRefusal(method, headers, getEnv().NEXTAUTH_URL);
  if (why) throw new ForbiddenError("This request came from another site, so it was refused. Use Loupe's own pages.", { reason: why });
}

async function authenticate(db: Db, req: NextRequest, opts: { permission: TPermission; token?: boolean }): Promise<{ user: TSessionUser; token: TTokenAuth | null }> {
  if (opts.token) {
    const bearer = await authenticateBearer(db, req.headers.get("authorization"));
    if (bearer) {
      if (!can(bearer.user.role, opts.permission)) throw new ForbiddenError("The owner of this API token does not have permission to do that.");
      return bearer;
    }
  }
  requireSameOrigin(req.method, req.headers);
  return { user: await requirePermission(db, opts.permission), token: null };
}

async function readBody(req: NextRequest, max: number): Promise<string> {
  if (!req.body) return "";
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel();
      throw tooLarge(max);
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
