import { describe, expect, it } from "vitest";
import { coarseCount } from "./progress";

describe("coarseCount", () => {
  it("rounds up to two significant figures, to tens at least, and keeps 0 for done", () => {
    expect([0, 1, 7, 10, 11, 99, 100, 101, 1234, 1300, 98_765].map(coarseCount)).toEqual([0, 10, 10, 10, 20, 100, 100, 110, 1300, 1300, 99_000]);
  });
  it("moves at most once in ten consecutive decisions below a thousand", () => {
    const shown = Array.from({ length: 10 }, (_, i) => coarseCount(540 - i));
    expect(new Set(shown).size).toBeLessThanOrEqual(2);
  });
});
