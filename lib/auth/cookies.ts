import { getEnv } from "../env";

/**
 * Secure session cookies when the public URL is https. Behind a proxy that ends TLS the process itself
 * sees http, so the scheme is read from NEXTAUTH_URL, the address browsers use, not from the request.
 * Secure cookies take the `__Secure-` prefix, which session.ts and proxy.ts both read.
 */
export function secureCookies(env: { NEXTAUTH_URL?: string } = getEnv()): boolean {
  return env.NEXTAUTH_URL?.startsWith("https://") === true;
}
