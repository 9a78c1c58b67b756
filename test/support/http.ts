// Calling app/api route handlers in a database test, as Next.js would: a NextRequest, the route's params,
// the session cookie read through a stand-in for next/headers (the test file mocks it with
// `vi.mock("next/headers", () => import("@/test/support/next-headers"))`), the test database as the process's.
import { NextRequest } from "next/server";
import { encode } from "next-auth/jwt";
import type { Db } from "@/lib/db/connect";
import { jar } from "./next-headers";

export const TEST_ORIGIN = "http://loupe.test";
export const TEST_SECRET = "test-secret-for-route-calls-0123456789";

/** Makes `getDatabase()` hand out the test's database, and pins the secret the session cookies are signed with. */
export function useTestDatabase(db: Db): void {
  process.env.NEXTAUTH_SECRET = TEST_SECRET;
  (globalThis as unknown as { __loupeDb?: Promise<Db> }).__loupeDb = Promise.resolve(db);
}

/** A session cookie value for a user, as next-auth would set it at sign-in. */
export async function sessionCookie(userId: number, sessionVersion = 0): Promise<string> {
  return encode({ token: { sub: String(userId), sv: sessionVersion }, secret: TEST_SECRET, maxAge: 3600 });
}

type THandler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

export interface TCall {
  method: string;
  path: string;
  params?: Record<string, string>;
  cookie?: string | null;
  headers?: Record<string, string>;
  body?: string | Uint8Array | ReadableStream<Uint8Array>;
}

/** Runs one handler with the given cookie (or none) and headers; a same-origin browser request unless headers say otherwise. */
export async function call(handler: THandler, c: TCall): Promise<Response> {
  jar.value = c.cookie ?? null;
  const headers = new Headers({ host: "loupe.test", ...c.headers });
  const init = { method: c.method, headers, body: c.body, duplex: "half" } as ConstructorParameters<typeof NextRequest>[1];
  const req = new NextRequest(`${TEST_ORIGIN}${c.path}`, init);
  try {
    return await handler(req, { params: Promise.resolve(c.params ?? {}) });
  } finally {
    jar.value = null;
  }
}
