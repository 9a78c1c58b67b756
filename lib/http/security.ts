// Security headers for every page and API answer, set by proxy.ts. No `server-only`: proxy.ts is bundled
// on its own, and the functions are pure (environment in, headers out), so unit tests call them directly.
//
// Pages get a nonce-based CSP: Next.js reads the nonce from the request's Content-Security-Policy header
// and puts it on the scripts it inlines (hydration data, the bootstrap). 'strict-dynamic' lets those
// scripts load the chunks they need; nothing without the nonce runs. Styles stay 'unsafe-inline': React
// style attributes (the compare view's zoom and split, the charts) cannot carry a nonce, and a style
// cannot run code. API answers are data: they may load nothing at all.

export interface TSecurityOptions {
  /** The public URL is https (NEXTAUTH_URL): HSTS is sent. */
  https: boolean;
  /** next dev: React's development build needs eval for its stack traces. */
  dev: boolean;
  /** Origins images may also come from (an object store's presigned redirects). */
  imageOrigins: string[];
}

/** The settings as this process's environment gives them. */
export function securityOptionsFromEnv(env: Record<string, string | undefined> = process.env): TSecurityOptions {
  const imageOrigins: string[] = [];
  if (env.LOUPE_STORAGE_URL?.startsWith("s3://")) {
    const endpoint = originOf(env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL);
    imageOrigins.push(endpoint ?? "https://*.amazonaws.com");
  }
  for (const extra of (env.LOUPE_CSP_IMG_ORIGINS ?? "").split(/[\s,]+/).filter(Boolean)) {
    const o = originOf(extra);
    if (o) imageOrigins.push(o);
  }
  return { https: env.NEXTAUTH_URL?.startsWith("https://") === true, dev: env.NODE_ENV === "development", imageOrigins };
}

function originOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? u.origin : null;
  } catch {
    return null;
  }
}

/** A fresh nonce: 128 random bits, base64. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return btoa(String.fromCharCode(...bytes));
}

export function pageCsp(nonce: string, opts: TSecurityOptions): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${opts.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    ["img-src 'self' data: blob:", ...opts.imageOrigins].join(" "),
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    ...(opts.https ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Every header but the CSP, the same for pages and API answers. */
export function commonSecurityHeaders(opts: TSecurityOptions): Record<string, string> {
  return {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    // For browsers that predate frame-ancestors.
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
    // Only over https: a browser ignores it on http, and a wrong one pins a name to https for a year.
    ...(opts.https ? { "Strict-Transport-Security": "max-age=31536000; includeSubDomains" } : {}),
  };
}
