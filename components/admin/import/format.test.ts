import { describe, expect, it } from "vitest";
import {
  formatBytes,
  formatCell,
  formatLocation,
  formatTimeLeft,
  importBadge,
  importName,
  importPercent,
  importProgressText,
  isActiveImport,
} from "./format";
import { parentDir } from "./paths";

describe("import progress", () => {
  const running = { status: "running" as const, rowsDone: 12345, totalRows: null, rowsPerSecond: 8000.4, etaSeconds: 130 };

  it("reads rows, speed and time left while running", () => {
    expect(importProgressText(running)).toBe("12,345 rows · 8,000 rows/s · about 2 min left");
    expect(importProgressText({ ...running, totalRows: 100000 })).toBe("12,345 of 100,000 rows · 8,000 rows/s · about 2 min left");
  });

  it("drops speed and time once finished or when unknown", () => {
    expect(importProgressText({ ...running, status: "done" })).toBe("12,345 rows");
    expect(importProgressText({ ...running, rowsPerSecond: null, etaSeconds: null })).toBe("12,345 rows");
  });

  it("never shows 100% before done", () => {
    expect(importPercent({ status: "running", fraction: 0.999 })).toBe(99);
    expect(importPercent({ status: "running", fraction: 0.5 })).toBe(50);
    expect(importPercent({ status: "done", fraction: 0.97 })).toBe(100);
    expect(importPercent({ status: "failed", fraction: 0.42 })).toBe(42);
    expect(importPercent({ status: "queued", fraction: Number.NaN })).toBe(0);
    expect(importPercent({ status: "running", fraction: 3 })).toBe(99);
  });

  it("shows a done import that inserted nothing as what it was, not as a green Done", () => {
    expect(importBadge({ status: "done", outcome: "imported" })).toEqual({ label: "Done", tone: "success" });
    expect(importBadge({ status: "done", outcome: "nothing-new" })).toEqual({ label: "Nothing new", tone: "quiet" });
    expect(importBadge({ status: "done", outcome: "nothing-imported" })).toEqual({ label: "Nothing imported", tone: "warning" });
    expect(importBadge({ status: "done", outcome: "empty" })).toEqual({ label: "No rows", tone: "quiet" });
    expect(importBadge({ status: "running", outcome: null })).toEqual({ label: "Running", tone: "running" });
  });

  it("knows which imports still move", () => {
    expect(isActiveImport("queued")).toBe(true);
    expect(isActiveImport("running")).toBe(true);
    expect(isActiveImport("cancelled")).toBe(false);
  });

  it("says how long is left", () => {
    expect(formatTimeLeft(10)).toBe("under a minute left");
    expect(formatTimeLeft(60)).toBe("about 1 min left");
    expect(formatTimeLeft(3600)).toBe("about 1 h left");
    expect(formatTimeLeft(3600 + 25 * 60)).toBe("about 1 h 25 min left");
    expect(formatTimeLeft(-1)).toBe("");
  });

  it("names imports briefly", () => {
    expect(importName("12")).toBe("Import 12");
    expect(importName("0b6f8c2e-1d5a-4b8e-9f33-6a1c2d7e9f00")).toBe("Import 0b6f8c2e");
  });
});

describe("display helpers", () => {
  it("formats sizes", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(1023)).toBe("1023 B");
    expect(formatBytes(35021)).toBe("34.2 KB");
    expect(formatBytes(1.5 * 1024 ** 3)).toBe("1.50 GB");
  });

  it("formats record locations", () => {
    expect(formatLocation({ file: "a.jsonl", index: 2, line: 3 })).toBe("line 3");
    expect(formatLocation({ file: "a.parquet", index: 70, rowGroup: 1, row: 6 })).toBe("row group 1, row 6");
    expect(formatLocation({ file: "b.csv", index: 0, line: 2 }, true)).toBe("b.csv, line 2");
    expect(formatLocation({ file: "c", index: 4 })).toBe("record 5");
  });

  it("formats cells", () => {
    expect(formatCell(null)).toBe("—");
    expect(formatCell("")).toBe("—");
    expect(formatCell(true)).toBe("yes");
    expect(formatCell(3)).toBe("3");
  });

  it("goes up one folder", () => {
    expect(parentDir("a/b/c")).toBe("a/b");
    expect(parentDir("a")).toBe("");
    expect(parentDir("a/b/")).toBe("a");
    expect(parentDir("")).toBe("");
  });
});
