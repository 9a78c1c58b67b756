import { describe, expect, it } from "vitest";
import { formatDate, formatDateTime } from "./format-date";

describe("formatDateTime", () => {
  it("writes one format: day, month in words, year, 24-hour time", () => {
    expect(formatDateTime("2026-12-06T15:04:09Z", { timeZone: "UTC" })).toBe("6 Dec 2026, 15:04");
    expect(formatDateTime(new Date("2026-01-02T03:04:05Z"), { timeZone: "UTC", withSeconds: true })).toBe("2 Jan 2026, 03:04:05");
    expect(formatDateTime("2026-12-06T23:30:00Z", { timeZone: "Asia/Tokyo" })).toBe("7 Dec 2026, 08:30");
    expect(formatDate("2026-12-06T15:04:09Z", { timeZone: "UTC" })).toBe("6 Dec 2026");
  });
});
