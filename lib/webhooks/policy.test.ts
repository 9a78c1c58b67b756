import { describe, expect, it } from "vitest";
import { isDelivered, MAX_ATTEMPTS, RETRY_DELAYS_S, retryDelaySeconds, truncate } from "./policy";

describe("webhook retry policy", () => {
  it("backs off exponentially-ish over about a day", () => {
    const mid = () => 0.5; // no jitter
    expect(RETRY_DELAYS_S.map((_, i) => retryDelaySeconds(i + 1, mid))).toEqual([30, 120, 600, 1800, 3600, 10800, 21600, 43200]);
    const total = RETRY_DELAYS_S.reduce((a, b) => a + b, 0);
    expect(total / 3600).toBeGreaterThan(20);
    expect(total / 3600).toBeLessThan(26);
    expect(MAX_ATTEMPTS).toBe(9);
  });

  it("adds ±20% jitter and never waits less than a second", () => {
    expect(retryDelaySeconds(1, () => 0)).toBe(24);
    expect(retryDelaySeconds(1, () => 0.999999)).toBe(36);
    expect(retryDelaySeconds(8, () => 0)).toBe(Math.round(43200 * 0.8));
    expect(retryDelaySeconds(50, () => 0.5)).toBe(43200); // past the table: the longest wait
    expect(retryDelaySeconds(0, () => 0.5)).toBe(30);
  });

  it("counts only 2xx as delivered (a redirect is not followed)", () => {
    expect([200, 201, 204, 299].every(isDelivered)).toBe(true);
    expect([199, 301, 302, 304, 400, 410, 500].some(isDelivered)).toBe(false);
  });

  it("truncates long errors", () => {
    expect(truncate("x".repeat(10), 5)).toBe("xxxx…");
    expect(truncate("short", 5)).toBe("short");
  });
});
