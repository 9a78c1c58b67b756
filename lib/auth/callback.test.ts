import { describe, expect, it } from "vitest";
import { safeCallback } from "./callback";

describe("safeCallback (where sign-in may send you)", () => {
  it("keeps same-site paths with their query", () => {
    expect(safeCallback("/annotate/3?x=1")).toBe("/annotate/3?x=1");
    expect(safeCallback(["/admin", "/evil"])).toBe("/admin");
  });
  it("refuses anything that a browser would take off-site", () => {
    for (const bad of ["//evil.example", "/\\evil.example/x", "/\tevil", "/\t/evil.example", "https://evil.example", "evil", "", "/%0a"]) {
      const out = safeCallback(bad);
      expect(out === "/" || (out.startsWith("/") && !out.startsWith("//") && !out.includes("\\")), `${JSON.stringify(bad)} → ${out}`).toBe(true);
    }
    expect(safeCallback("//evil.example")).toBe("/");
    expect(safeCallback("/\\evil.example/x")).toBe("/");
    expect(safeCallback("/\t/evil.example")).toBe("/");
    expect(safeCallback(undefined)).toBe("/");
  });
});
