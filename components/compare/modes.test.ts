import { describe, expect, it } from "vitest";
import {
  COMPARE_MODES,
  isBaseCompareMode,
  isCompareMode,
  nextCompareMode,
  rememberReturnMode,
  toggleHeatmapMode,
  withCompareMode,
  type TCompareModeState,
} from "./modes";
import { compareKeyDownAction } from "./keys";
import { formatChangeFigures } from "./heatmap";

describe("heatmap mode", () => {
  it("stays out of the V cycle", () => {
    expect(COMPARE_MODES).not.toContain("heatmap");
    expect(isCompareMode("heatmap")).toBe(true);
    expect(isBaseCompareMode("heatmap")).toBe(false);
  });

  it("D toggles the heatmap on and back to the view it replaced", () => {
    expect(toggleHeatmapMode("slider", "slider")).toBe("heatmap");
    expect(toggleHeatmapMode("heatmap", "slider")).toBe("slider");
    expect(toggleHeatmapMode("heatmap", "flicker")).toBe("flicker");
  });

  it("V from the heatmap carries on the cycle from the view it replaced", () => {
    expect(nextCompareMode("heatmap", 1, "slider")).toBe("flicker");
    expect(nextCompareMode("heatmap", -1, "slider")).toBe("side-by-side");
    expect(nextCompareMode("heatmap")).toBe("slider");
  });

  it("remembers the last of the three views across changes", () => {
    expect(rememberReturnMode("flicker", "slider")).toBe("flicker");
    expect(rememberReturnMode("heatmap", "slider")).toBe("slider");

    let s: TCompareModeState = { mode: "side-by-side", returnMode: "side-by-side" };
    s = withCompareMode(s, "slider");
    s = withCompareMode(s, "heatmap");
    expect(s).toEqual({ mode: "heatmap", returnMode: "slider" });
    s = withCompareMode(s, toggleHeatmapMode(s.mode, s.returnMode));
    expect(s).toEqual({ mode: "slider", returnMode: "slider" });
    s = withCompareMode(s, "heatmap");
    s = withCompareMode(s, nextCompareMode(s.mode, 1, s.returnMode));
    expect(s).toEqual({ mode: "flicker", returnMode: "flicker" });
  });

  it("keeps the same state object when nothing changes", () => {
    const s: TCompareModeState = { mode: "heatmap", returnMode: "flicker" };
    expect(withCompareMode(s, "heatmap")).toBe(s);
  });
});

describe("D key", () => {
  it("maps d and D, ignoring auto-repeat and modifiers", () => {
    expect(compareKeyDownAction({ key: "d" })).toBe("toggle-heatmap");
    expect(compareKeyDownAction({ key: "D" })).toBe("toggle-heatmap");
    expect(compareKeyDownAction({ key: "d", repeat: true })).toBeNull();
    expect(compareKeyDownAction({ key: "d", ctrlKey: true })).toBeNull();
    expect(compareKeyDownAction({ key: "d", metaKey: true })).toBeNull();
  });
});

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
});
