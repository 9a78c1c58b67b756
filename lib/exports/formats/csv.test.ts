import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { INJECTION_PAYLOADS } from "@/test/support/export-rows";
import { csvCell, csvRow, neutraliseCell } from "./csv";

describe("csv cells", () => {
  it("neutralises cells a spreadsheet would run as formulas, and only those", () => {
    expect(neutraliseCell("=cmd|' /C calc'!A0")).toBe("'=cmd|' /C calc'!A0");
    expect(neutraliseCell("+1")).toBe("'+1");
    expect(neutraliseCell("-1")).toBe("'-1");
    expect(neutraliseCell("@SUM(1+1)")).toBe("'@SUM(1+1)");
    expect(neutraliseCell("\t=1")).toBe("'\t=1");
    expect(neutraliseCell("\r=1")).toBe("'\r=1");
    expect(neutraliseCell("  =1")).toBe("  =1");
    expect(neutraliseCell("a=1")).toBe("a=1");
    expect(neutraliseCell("")).toBe("");
  });

  it("quotes what RFC 4180 needs and tells null from an empty string", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell('say "hi", then go')).toBe('"say ""hi"", then go"');
    expect(csvCell("a\nb")).toBe('"a\nb"');
    expect(csvCell(" lead")).toBe('" lead"');
    expect(csvCell("")).toBe('""');
    expect(csvCell(null)).toBe("");
    expect(csvCell(42)).toBe("42");
    expect(csvCell(false)).toBe("false");
    expect(csvRow(["a", null, 1])).toBe("a,,1\r\n");
  });

  it("reads back with csv-parse: neutralised cells carry one apostrophe, every other cell is exact", () => {
    const text = INJECTION_PAYLOADS.map((p) => csvRow([p, "x"])).join("");
    const rows = parse(text, { relax_column_count: false }) as string[][];
    expect(rows).toHaveLength(INJECTION_PAYLOADS.length);
    INJECTION_PAYLOADS.forEach((payload, i) => {
      const expected = /^[=+\-@\t\r]/.test(payload) ? `'${payload}` : payload;
      expect(rows[i]).toEqual([expected, "x"]);
    });
  });
});
