import { NextResponse, type NextRequest } from "next/server";

// Only redirects visitors with no session cookie to sign-in, to save them a round trip. It is not a
// security boundary: every page, action and route checks the session and permission itself.
export function proxy(req: NextRequest) {
  const hasSession =
    req.cookies.has("next-auth.session-token") || req.cookies.has("__Secure-next-auth.session-token");
  if (hasSession) return NextResponse.next();
  const url = req.nextUrl.clone();
  url.pathname = "/signin";
  url.search = `?callbackUrl=${encodeURIComponent(req.nextUrl.pathname + req.nextUrl.search)}`;
  return NextResponse.redirect(url);
}

export const config = {
  matcher: ["/((?!api/|_next/|signin|reset/|favicon\\.ico|robots\\.txt).*)"],
};
