import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "./cursor";

describe("labels feed cursor", () => {
  it("round-trips a position, opaque and URL-safe", () => {
    const c = encodeCursor({ xid: "9223372036854775807", id: "42" });
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(c).not.toContain("42");
    expect(decodeCursor(c)).toEqual({ xid: "9223372036854775807", id: "42" });
  });

  it("refuses anything it did not hand out", () => {
    for (const bad of ["", "abc", "v1.1.2", Buffer.from("v2.1.2").toString("base64url"), Buffer.from("v1.1").toString("base64url"),
      Buffer.from("v1.-1.2").toString("base64url"), Buffer.from("v1.9223372036854775808.1").toString("base64url"), "a+b/c="]) {
      expect(() => decodeCursor(bad), bad).toThrow(/cursor/);
    }
  });
});
