// Cross-site request refusal for cookie-authenticated requests (decision 021). The algorithm is the one
// Go's net/http CrossOriginProtection uses: browsers send Sec-Fetch-Site (all current ones) or at least
// Origin on every non-GET request, and a page on another site cannot forge either, so a request that
// carries neither did not come from a browser and cannot ride a victim's cookie.

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface THeaderSource {
  get(name: string): string | null;
}

/** Why a request must be refused as cross-site, or null when it may proceed. */
export function crossSiteRefusal(method: string, headers: THeaderSource, ownOrigin?: string | null): string | null {
  if (SAFE_METHODS.has(method.toUpperCase())) return null;
  const site = headers.get("sec-fetch-site");
  if (site) {
    // "none" is a request the user made themselves (typed address, bookmark); never a page's doing.
    return site === "same-origin" || site === "none" ? null : `sec-fetch-site: ${site}`;
  }
  const origin = headers.get("origin");
  if (!origin) return null;
  if (origin === "null") return "origin: null";
  let originHost: string;
  try {
    originHost = new URL(origin).host.toLowerCase();
  } catch {
    return "origin: unreadable";
  }
  if (ownOrigin) {
    try {
      if (new URL(ownOrigin).origin === new URL(origin).origin) return null;
    } catch {
      // a bad NEXTAUTH_URL is reported by the env check; fall back to the Host header below
    }
  }
  // A proxy may rewrite Host; what the browser addressed is then in X-Forwarded-Host. A cross-site page
  // cannot set either header on a request the browser sends without a CORS preflight, which Loupe never grants.
  const hosts = [headers.get("host"), ...(headers.get("x-forwarded-host") ?? "").split(",")]
    .map((h) => h?.trim().toLowerCase())
    .filter(Boolean);
  return hosts.includes(originHost) ? null : `origin: ${origin}`;
}

/** True for a JSON media type: `application/json`, with or without parameters. */
export function isJsonContentType(value: string | null): boolean {
  if (!value) return false;
  const type = value.split(";")[0]!.trim().toLowerCase();
  return type === "application/json";
}
