import "server-only";
import { headers } from "next/headers";
import { z } from "zod";
import { AppError } from "../errors";
import { requirePermission } from "../auth/session";
import type { TPermission, TSessionUser } from "../auth/permissions";
import { getDatabase, type Db } from "../db";
import { requireSameOrigin, zodToInvalid, type TInputSchemas } from "./handler";

export type TActionResult<T = unknown> = { ok: true; data?: T; message?: string } | { ok: false; error: string };

/** The one wrapper for server actions, each a public endpoint: permission checked here, FormData parsed with zod. */
export function action<S extends z.ZodType, T>(
  permission: TPermission,
  schema: S,
  fn: (ctx: { db: Db; user: TSessionUser; input: z.infer<S> }) => Promise<T | TActionResult<T>>,
) {
  return wrap(schema, (db) => requirePermission(db, permission), (db, user, input) => fn({ db, user, input }));
}

/**
 * A server action anyone may call, signed in or not (a password reset link's form): the same origin check,
 * zod parsing and error mapping as `action()`, no session. Each one is listed in the authorization matrix test.
 */
export function publicAction<S extends z.ZodType, T>(schema: S, fn: (ctx: { db: Db; input: z.infer<S> }) => Promise<T | TActionResult<T>>) {
  return wrap(schema, async () => null, (db, _nobody, input) => fn({ db, input }));
}

function wrap<S extends z.ZodType, T, U>(
  schema: S,
  authorize: (db: Db) => Promise<U>,
  fn: (db: Db, who: U, input: z.infer<S>) => Promise<T | TActionResult<T>>,
) {
  const run = async (_prev: TActionResult<T> | null, formData: FormData): Promise<TActionResult<T>> => {
    try {
      // Next.js compares a server action's Origin with its Host too; this keeps the rule ours, not a framework default.
      requireSameOrigin("POST", await headers());
      const db = await getDatabase();
      const who = await authorize(db);
      const parsed = schema.safeParse(Object.fromEntries(formData));
      if (!parsed.success) throw zodToInvalid(parsed.error);
      const out = await fn(db, who, parsed.data);
      if (out && typeof out === "object" && "ok" in out) return out as TActionResult<T>;
      return { ok: true, data: out as T };
    } catch (err) {
      if (err instanceof AppError) return { ok: false, error: err.message };
      console.error("[loupe] unexpected error in action", err);
      return { ok: false, error: "Something went wrong on the server." };
    }
  };
  return Object.assign(run, { loupeInputs: { input: schema, form: true } satisfies TInputSchemas });
}
