import { describe, expect, it } from "vitest";
import { Pacer } from "./pace";

describe("export pacing", () => {
  it("never waits while pages take about as long as the best one", () => {
    const p = new Pacer();
    expect([100, 90, 95, 110, 92].map((ms) => p.afterPage(ms, 2000))).toEqual([0, 0, 0, 0, 0]);
  });

  it("waits twice the time a page lost to contention, capped", () => {
    const p = new Pacer({ tolerance: 1.25, backoff: 2, busyShare: 1, maxWaitMs: 2000 });
    expect(p.afterPage(100, 2000)).toBe(0);
    expect(p.afterPage(300, 2000)).toBe(400); // lost 200 ms
    expect(p.afterPage(5000, 2000)).toBe(2000); // capped
    expect(p.afterPage(110, 2000)).toBe(0); // unhindered again: full speed
  });

  it("compares per pair, so a short last page is not mistaken for a fast one", () => {
    const p = new Pacer();
    expect(p.afterPage(100, 2000)).toBe(0);
    expect(p.afterPage(5, 100)).toBe(0); // 5 ms looks fast, but it is the same 0.05 ms per pair
    expect(p.afterPage(30, 100)).toBe(50); // 0.3 ms per pair against a best of 0.05: lost 25 ms, waits 50
  });

  it("waits as long as the page took while other sessions are busy, even when no page was ever fast", () => {
    const p = new Pacer();
    expect(p.afterPage(300, 2000, 5)).toBe(300);
    expect(p.afterPage(320, 2000, 1)).toBe(320);
    expect(p.afterPage(310, 2000, 0)).toBe(0); // alone again: full speed
    expect(p.afterPage(5000, 2000, 3)).toBe(2000); // capped
  });

  it("ignores empty pages and nonsense times", () => {
    const p = new Pacer();
    expect(p.afterPage(100, 0)).toBe(0);
    expect(p.afterPage(Number.NaN, 10)).toBe(0);
  });
});
