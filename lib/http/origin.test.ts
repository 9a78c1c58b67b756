import { describe, expect, it } from "vitest";
import { crossSiteRefusal, isJsonContentType } from "./origin";

const h = (o: Record<string, string>) => new Headers(o);

describe("crossSiteRefusal", () => {
  it("lets safe methods through whatever their headers say", () => {
    expect(crossSiteRefusal("GET", h({ "sec-fetch-site": "cross-site", origin: "https://evil.example" }))).toBeNull();
  });
  it("refuses cross-site and same-site requests by Sec-Fetch-Site", () => {
    expect(crossSiteRefusal("POST", h({ "sec-fetch-site": "cross-site", host: "loupe.test" }))).toMatch(/cross-site/);
    expect(crossSiteRefusal("POST", h({ "sec-fetch-site": "same-site", host: "loupe.test" }))).toMatch(/same-site/);
    expect(crossSiteRefusal("DELETE", h({ "sec-fetch-site": "same-origin", origin: "https://evil.example" }))).toBeNull();
  });
  it("falls back to Origin against Host, X-Forwarded-Host and the configured origin", () => {
    expect(crossSiteRefusal("POST", h({ origin: "http://loupe.test:3000", host: "loupe.test:3000" }))).toBeNull();
    expect(crossSiteRefusal("POST", h({ origin: "https://evil.example", host: "loupe.test:3000" }))).toMatch(/evil/);
    expect(crossSiteRefusal("POST", h({ origin: "null", host: "loupe.test" }))).toMatch(/null/);
    expect(crossSiteRefusal("PUT", h({ origin: "https://loupe.example.org", host: "10.0.0.5:3000", "x-forwarded-host": "loupe.example.org" }))).toBeNull();
    expect(crossSiteRefusal("PATCH", h({ origin: "https://loupe.example.org", host: "10.0.0.5:3000" }), "https://loupe.example.org/")).toBeNull();
    expect(crossSiteRefusal("PATCH", h({ origin: "http://loupe.example.org", host: "10.0.0.5:3000" }), "https://loupe.example.org")).toMatch(/origin/);
  });
  it("lets through a request with neither header: no browser sent it, so no cookie was borrowed", () => {
    expect(crossSiteRefusal("POST", h({ host: "loupe.test" }))).toBeNull();
  });
});

describe("isJsonContentType", () => {
  it("accepts application/json with parameters and nothing else", () => {
    expect(isJsonContentType("application/json")).toBe(true);
    expect(isJsonContentType("Application/JSON; charset=utf-8")).toBe(true);
    expect(isJsonContentType("text/plain")).toBe(false);
    expect(isJsonContentType("application/x-www-form-urlencoded")).toBe(false);
    expect(isJsonContentType(null)).toBe(false);
  });
});
