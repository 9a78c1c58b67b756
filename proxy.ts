import { NextResponse, type NextRequest } from "next/server";
import { API_CSP, commonSecurityHeaders, newNonce, pageCsp, securityOptionsFromEnv } from "./lib/http/security";

// Runs before every page and API request (not Next's hashed static files). Two jobs:
// - security headers on every answer (lib/http/security.ts); a page gets a fresh CSP nonce, handed to
//   Next.js on the request's Content-Security-Policy header so its inline scripts carry it;
// - redirecting page visits without a session cookie to sign-in, to save a round trip. That is not a
//   security boundary: every page, action and route checks the session and permission itself.
export function proxy(req: NextRequest) {
  const opts = securityOptionsFromEnv();
  const path = req.nextUrl.pathname;
  if (path.startsWith("/api/")) {
    const res = NextResponse.next();
    setAll(res.headers, { ...commonSecurityHeaders(opts), "Content-Security-Policy": API_CSP });
    return res;
  }
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
const OPEN_PATH = /^\/(?:_next\/|signin|favicon\.ico|robots\.txt|icon\.svg)/;

function setAll(target: Headers, values: Record<string, string>) {
  for (const [k, v] of Object.entries(values)) target.set(k, v);
}

export const config = {
  // Next's hashed build files are served as they are; everything else passes here.
  matcher: ["/((?!_next/static|_next/image).*)"],
};
