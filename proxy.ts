import { NextResponse, type NextRequest } from "next/server";
import { commonSecurityHeaders, newNonce, pageCsp, securityOptionsFromEnv } from "./lib/http/security";

// Runs before every page request (not the API, not Next's hashed static files). Two jobs:
// - security headers (lib/http/security.ts), with a fresh CSP nonce handed to Next.js on the request's
//   Content-Security-Policy header so its inline scripts carry it;
// - redirecting page visits without a session cookie to sign-in, to save a round trip. That is not a
//   security boundary: every page, action and route checks the session and permission itself.
// Not the API: Next.js buffers the body of every request a proxy sees (up to 10 MB, then cut), which
// would break streamed uploads and body caps. API answers get their headers from next.config.js.
export function proxy(req: NextRequest) {
  const opts = securityOptionsFromEnv();
  const path = req.nextUrl.pathname;
  const nonce = newNonce();
  const csp = pageCsp(nonce, opts);
  const headers = { ...commonSecurityHeaders(opts), "Content-Security-Policy": csp };
  const hasSession =
    req.cookies.has("next-auth.session-token") || req.cookies.has("__Secure-next-auth.session-token");
  if (!hasSession && !OPEN_PATH.test(path)) {
    const url = req.nextUrl.clone();
    url.pathname = "/signin";
    url.search = `?callbackUrl=${encodeURIComponent(req.nextUrl.pathname + req.nextUrl.search)}`;
    const res = NextResponse.redirect(url);
    setAll(res.headers, headers);
    return res;
  }
  const forwarded = new Headers(req.headers);
  forwarded.set("x-nonce", nonce);
  forwarded.set("Content-Security-Policy", csp);
  const res = NextResponse.next({ request: { headers: forwarded } });
  setAll(res.headers, headers);
  return res;
}

/** Pages anyone may load without a session cookie. */
const OPEN_PATH = /^\/(?:_next\/|signin|reset\/|favicon\.ico|robots\.txt|icon\.svg)/;

function setAll(target: Headers, values: Record<string, string>) {
  for (const [k, v] of Object.entries(values)) target.set(k, v);
}

export const config = {
  // Pages only: Next's hashed build files are served as they are, and the API is left alone (above).
  matcher: ["/((?!api/|_next/static|_next/image).*)"],
};
