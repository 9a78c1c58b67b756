import { describe, expect, it } from "vitest";
import { formatChangeFigures, formatPercent } from "./heatmap";

describe("change figures", () => {
  it("formats all three figures", () => {
    expect(formatChangeFigures({ changedFraction: 0.1234, ssim: 0.87112, changeOutsideMask: 0.012 })).toBe(
      "Changed 12.3% · SSIM 0.871 · Outside mask 1.2%",
    );
  });
  it("leaves out what is unknown", () => {
    expect(formatChangeFigures({ changedFraction: 0.5, ssim: null, changeOutsideMask: null })).toBe("Changed 50.0%");
    expect(formatChangeFigures({ changedFraction: null, ssim: 0.9, changeOutsideMask: 0 })).toBe("SSIM 0.900 · Outside mask 0.0%");
    expect(formatChangeFigures({ changedFraction: null, ssim: null, changeOutsideMask: null })).toBe("");
    expect(formatChangeFigures({ changedFraction: Number.NaN, ssim: null, changeOutsideMask: null })).toBe("");
  });
  it("writes fractions as percentages to one decimal", () => {
    expect(formatPercent(0.0049)).toBe("0.5%");
    expect(formatPercent(1)).toBe("100.0%");
  });
});
