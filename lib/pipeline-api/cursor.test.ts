import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor } from "./cursor";

describe("labels feed cursor", () => {
  it("round-trips a position, opaque and URL-safe", () => {
    const c = encodeCursor({ projectId: 7, epoch: "1", xid: "9223372036854775807", id: "42" });
    expect(c).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(c).not.toContain("42");
    expect(decodeCursor(c, 7)).toEqual({ projectId: 7, epoch: "1", xid: "9223372036854775807", id: "42" });
  });

  it("refuses a cursor handed out for another project, saying so", () => {
    const c = encodeCursor({ projectId: 7, epoch: "1", xid: "100", id: "42" });
    expect(() => decodeCursor(c, 8)).toThrow("cursor: this cursor belongs to another project; start without a cursor.");
  });

  it("refuses anything it did not hand out", () => {
    const b = (s: string) => Buffer.from(s).toString("base64url");
    for (const bad of ["", "abc", "v1.1.1.1.2", b("v2.1.1.1.2"), b("v1.1.2"), b("v1.1.1.1"), b("v1.1.1.-1.2"), b("v1.1.1.9223372036854775808.1"),
      b("v1.1.9223372036854775808.1.1"), b("v1.2147483648.1.1.1"), "a+b/c="]) {
      expect(() => decodeCursor(bad, 1), bad).toThrow(/^cursor: not a cursor this API handed out/);
    }
  });
});
