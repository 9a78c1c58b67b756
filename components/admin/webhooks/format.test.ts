import { describe, expect, it } from "vitest";
import { dueIn, isWaiting } from "./format";

describe("webhook page wording", () => {
  it("says when the next attempt is due", () => {
    const now = Date.parse("2026-12-01T10:00:00Z");
    expect(dueIn("2026-12-01T09:59:00Z", now)).toBe("now");
    expect(dueIn("2026-12-01T10:00:28Z", now)).toBe("in 28 s");
    expect(dueIn("2026-12-01T10:02:00Z", now)).toBe("in 2 min");
    expect(dueIn("2026-12-01T13:00:00Z", now)).toBe("in 3 h");
  });
  it("knows which deliveries are still moving", () => {
    expect(isWaiting("pending")).toBe(true);
    expect(isWaiting("delivering")).toBe(true);
    expect(isWaiting("delivered")).toBe(false);
    expect(isWaiting("paused")).toBe(false);
  });
});
