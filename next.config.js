/**
 * Security headers of API answers, which are data and may load nothing. Pages get theirs, with the CSP
 * nonce, from proxy.ts (lib/http/security.ts, whose test checks these agree with it); HSTS, which
 * depends on the public URL at run time, is added to every answer by scripts/web-server.mjs.
 */
export const API_SECURITY_HEADERS = [
  { key: "Content-Security-Policy", value: "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  { key: "Referrer-Policy", value: "strict-origin-when-cross-origin" },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "Cross-Origin-Opener-Policy", value: "same-origin" },
  { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=(), payment=()" },
];

/** @type {import('next').NextConfig} */
const nextConfig = {
  async headers() {
    return [{ source: "/api/:path*", headers: API_SECURITY_HEADERS }];
  },
  // Native or WASM packages are loaded by Node at run time rather than bundled.
  serverExternalPackages: ["@electric-sql/pglite", "pglite-prisma-adapter", "sharp", "pg", "bcryptjs", "piscina"],
  poweredByHeader: false,
  typescript: { ignoreBuildErrors: true }, // `npm run typecheck` owns type errors; build stays fast
  devIndicators: false,
  // forbidden() answers 403 from pages and actions that a role may not use (lib/auth/page.ts).
  experimental: { authInterrupts: true },
};
export default nextConfig;
