import { describe, expect, it } from "vitest";
import { Pacer } from "./pace";

describe("export pacing", () => {
  it("never waits while no other session is running a statement", () => {
    const p = new Pacer();
    expect([100, 900, 3000].map((ms) => p.afterPage(ms, 0))).toEqual([0, 0, 0]);
  });

  it("waits as long as the page took while other sessions are busy, capped", () => {
    const p = new Pacer();
    expect(p.afterPage(300, 5)).toBe(300);
    expect(p.afterPage(320, 1)).toBe(320);
    expect(p.afterPage(5000, 3)).toBe(2000);
    expect(new Pacer({ busyShare: 2, maxWaitMs: 10_000 }).afterPage(300, 1)).toBe(600);
  });

  it("ignores nonsense times", () => {
    expect(new Pacer().afterPage(Number.NaN, 4)).toBe(0);
    expect(new Pacer().afterPage(-5, 4)).toBe(0);
  });
});
