import { NextRequest } from "next/server";
import { afterEach, describe, expect, it, vi } from "vitest";
import { config, proxy } from "../../proxy";
import { secureCookies } from "../auth/cookies";
import { API_SECURITY_HEADERS } from "../../next.config.js";
import { API_CSP, commonSecurityHeaders, pageCsp, securityOptionsFromEnv } from "./security";

// The headers proxy.ts puts on every page and API answer, read back from the proxy's own responses.

function directives(csp: string): Map<string, string> {
  return new Map(csp.split(";").map((d) => d.trim().split(/\s+(.*)/s) as [string, string]).map(([k, v]) => [k, v ?? ""]));
}

afterEach(() => vi.unstubAllEnvs());

describe("security headers", () => {
  it("gives a page a fresh nonce, on the response's CSP and on the request Next renders with", () => {
    vi.stubEnv("NEXTAUTH_URL", "http://localhost:3000");
    const req = () => new NextRequest("http://localhost:3000/projects", { headers: { cookie: "next-auth.session-token=x" } });
    const a = proxy(req());
    const b = proxy(req());
    const csp = a.headers.get("content-security-policy")!;
    const d = directives(csp);
    const nonce = /'nonce-([^']+)'/.exec(d.get("script-src")!)![1]!;
    expect(nonce).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    expect(b.headers.get("content-security-policy")).not.toContain(nonce);
    expect(d.get("script-src")).toBe(`'self' 'nonce-${nonce}' 'strict-dynamic'`);
    expect(d.get("default-src")).toBe("'self'");
    expect(d.get("object-src")).toBe("'none'");
    expect(d.get("frame-ancestors")).toBe("'none'");
    expect(d.get("base-uri")).toBe("'self'");
    expect(d.has("upgrade-insecure-requests")).toBe(false);
    // NextResponse.next({ request: { headers } }) hands the request headers on as x-middleware-request-*.
    expect(a.headers.get("x-middleware-request-x-nonce")).toBe(nonce);
    expect(a.headers.get("x-middleware-request-content-security-policy")).toBe(csp);
    expect(a.headers.get("x-content-type-options")).toBe("nosniff");
    expect(a.headers.get("referrer-policy")).toBe("strict-origin-when-cross-origin");
    expect(a.headers.get("x-frame-options")).toBe("DENY");
    expect(a.headers.get("strict-transport-security")).toBeNull();
  });

  it("puts the headers on the sign-in redirect; API answers get theirs from next.config.js, and may load nothing", () => {
    vi.stubEnv("NEXTAUTH_URL", "http://localhost:3000");
    const redirect = proxy(new NextRequest("http://localhost:3000/admin/users"));
    expect(redirect.status).toBe(307);
    expect(redirect.headers.get("location")).toBe("http://localhost:3000/signin?callbackUrl=%2Fadmin%2Fusers");
    expect(redirect.headers.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
    expect(redirect.headers.get("x-content-type-options")).toBe("nosniff");
    // The proxy never sees the API (it would buffer request bodies); next.config.js's list is the same policy.
    expect(config.matcher.some((m) => new RegExp(`^${m}$`).test("/api/labels"))).toBe(false);
    expect(config.matcher.some((m) => new RegExp(`^${m}$`).test("/annotate/3"))).toBe(true);
    const api = Object.fromEntries(API_SECURITY_HEADERS.map((h) => [h.key, h.value]));
    expect(api).toEqual({ ...commonSecurityHeaders({ https: false, dev: false, imageOrigins: [] }), "Content-Security-Policy": API_CSP });
    expect(directives(API_CSP).get("default-src")).toBe("'none'");
  });

  it("sends HSTS and upgrades requests only when the public URL is https", () => {
    vi.stubEnv("NEXTAUTH_URL", "https://loupe.example.org");
    const page = proxy(new NextRequest("https://loupe.example.org/", { headers: { cookie: "__Secure-next-auth.session-token=x" } }));
    expect(page.headers.get("strict-transport-security")).toBe("max-age=31536000; includeSubDomains");
    expect(directives(page.headers.get("content-security-policy")!).has("upgrade-insecure-requests")).toBe(true);
    expect(commonSecurityHeaders({ https: false, dev: false, imageOrigins: [] })["Strict-Transport-Security"]).toBeUndefined();
  });

  it("lets images come from the object store's endpoint, and eval only in development", () => {
    const s3 = securityOptionsFromEnv({ LOUPE_STORAGE_URL: "s3://bucket/loupe", AWS_ENDPOINT_URL: "http://minio.internal:9000/ignored" });
    expect(directives(pageCsp("n", s3)).get("img-src")).toBe("'self' data: blob: http://minio.internal:9000");
    const aws = securityOptionsFromEnv({ LOUPE_STORAGE_URL: "s3://bucket" });
    expect(directives(pageCsp("n", aws)).get("img-src")).toBe("'self' data: blob: https://*.amazonaws.com");
    expect(directives(pageCsp("n", securityOptionsFromEnv({}))).get("img-src")).toBe("'self' data: blob:");
    expect(directives(pageCsp("n", securityOptionsFromEnv({ NODE_ENV: "development" }))).get("script-src")).toContain("'unsafe-eval'");
    expect(directives(pageCsp("n", securityOptionsFromEnv({ NODE_ENV: "production" }))).get("script-src")).not.toContain("unsafe-eval");
  });
});

describe("session cookies", () => {
  it("are Secure (the __Secure- cookie) when the public URL is https, whatever the proxy hands the process", () => {
    expect(secureCookies({ NEXTAUTH_URL: "https://loupe.example.org" })).toBe(true);
    expect(secureCookies({ NEXTAUTH_URL: "http://localhost:3000" })).toBe(false);
    expect(secureCookies({})).toBe(false);
  });
});
