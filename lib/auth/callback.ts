/** Only same-origin paths: an open redirect after sign-in is a phishing aid. */
export function safeCallback(raw: string | string[] | undefined): string {
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (!v || !v.startsWith("/") || /[\\\x00-\x1f\x7f]/.test(v)) return "/";
  try {
    const base = "http://loupe.invalid";
    const url = new URL(v, base);
    return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : "/";
  } catch {
    return "/";
  }
}
