import { describe, expect, it } from "vitest";
import { generateToken, hashToken, isWellFormedToken, parseAuthorization } from "./token-format";

describe("API token text", () => {
  it("is loupe_ + 43 base64url characters, different each time, with a short hint", () => {
    const a = generateToken();
    const b = generateToken();
    expect(a.token).toMatch(/^loupe_[A-Za-z0-9_-]{43}$/);
    expect(a.token).not.toBe(b.token);
    expect(a.hint).toBe(a.token.slice(0, 10));
    expect(isWellFormedToken(a.token)).toBe(true);
  });

  it("stores the sha256 of the token, never the token", () => {
    const t = generateToken();
    expect(t.hash).toBe(hashToken(t.token));
    expect(t.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(t.hash).not.toContain(t.token.slice(6));
    // a known vector, so the stored form cannot drift
    expect(hashToken("loupe_")).toBe("118dde74ad73746bd5d5847271321d0daf0473f7aa081b71e943131211a86e35");
  });

  it("reads Authorization headers: none, malformed, or a token", () => {
    const { token } = generateToken();
    expect(parseAuthorization(null)).toEqual({ kind: "none" });
    expect(parseAuthorization("  ")).toEqual({ kind: "none" });
    expect(parseAuthorization(`Bearer ${token}`)).toEqual({ kind: "token", token });
    expect(parseAuthorization(`bearer  ${token} `)).toEqual({ kind: "token", token });
    expect(parseAuthorization(`Basic ${token}`)).toEqual({ kind: "malformed" });
    expect(parseAuthorization("Bearer")).toEqual({ kind: "malformed" });
    expect(parseAuthorization("Bearer loupe_short")).toEqual({ kind: "malformed" });
    expect(parseAuthorization(`Bearer ${token}x`)).toEqual({ kind: "malformed" });
    expect(parseAuthorization(`Bearer ${token} extra`)).toEqual({ kind: "malformed" });
  });
});
