import { describe, expect, it } from "vitest";
import {
  backMode,
  comparePane,
  COMPARE_MODES,
  isBaseCompareMode,
  isCompareMode,
  modeStepForKey,
  nextCompareMode,
  rememberReturnMode,
  resolveShownMode,
  tabbableModeIndex,
  toggleHeatmapMode,
  withCompareMode,
  type TCompareModeState,
} from "./modes";

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

describe("the V cycle", () => {
  it("cycles side-by-side → slider → flicker → side-by-side", () => {
    expect(COMPARE_MODES).toEqual(["side-by-side", "slider", "flicker"]);
    expect(nextCompareMode("side-by-side")).toBe("slider");
    expect(nextCompareMode("slider")).toBe("flicker");
    expect(nextCompareMode("flicker")).toBe("side-by-side");
    expect(nextCompareMode("side-by-side", -1)).toBe("flicker");
  });
  it("validates persisted values", () => {
    expect(isCompareMode("slider")).toBe(true);
    expect(isCompareMode("wipe")).toBe(false);
    expect(isCompareMode(undefined)).toBe(false);
  });
});

describe("what the compare view shows", () => {
  it("returns to the mode on screen, else the page's return mode, else the last one seen", () => {
    expect(backMode("slider", "flicker", "side-by-side")).toBe("slider");
    expect(backMode("heatmap", "flicker", "side-by-side")).toBe("flicker");
    expect(backMode("heatmap", undefined, "slider")).toBe("slider");
  });
  it("shows the heatmap only when the pair has a change map", () => {
    expect(resolveShownMode("heatmap", "slider", true)).toEqual({ heatmapMissing: false, shownMode: "heatmap", showingHeatmap: true });
    expect(resolveShownMode("heatmap", "slider", false)).toEqual({ heatmapMissing: true, shownMode: "slider", showingHeatmap: false });
    expect(resolveShownMode("flicker", "flicker", false)).toEqual({ heatmapMissing: false, shownMode: "flicker", showingHeatmap: false });
  });
  it("draws one pane per view", () => {
    expect(comparePane("side-by-side", false)).toBe("side-by-side");
    expect(comparePane("slider", false)).toBe("slider");
    expect(comparePane("flicker", false)).toBe("flicker");
    expect(comparePane("heatmap", true)).toBe("heatmap");
  });
  it("on a pair without a change map draws the view the heatmap replaced, as the radio group shows", () => {
    for (const back of COMPARE_MODES) {
      const shown = resolveShownMode("heatmap", back, false);
      expect(shown.shownMode).toBe(back);
      expect(comparePane(shown.shownMode, shown.showingHeatmap)).toBe(back);
    }
  });
});

describe("the mode radio group", () => {
  it("moves with the arrow keys and ignores the rest", () => {
    expect(modeStepForKey("ArrowRight")).toBe(1);
    expect(modeStepForKey("ArrowDown")).toBe(1);
    expect(modeStepForKey("ArrowLeft")).toBe(-1);
    expect(modeStepForKey("ArrowUp")).toBe(-1);
    expect(modeStepForKey("Home")).toBeNull();
    expect(modeStepForKey("v")).toBeNull();
  });
  it("keeps the Tab stop on the view D returns to", () => {
    expect(tabbableModeIndex("side-by-side")).toBe(0);
    expect(tabbableModeIndex("flicker")).toBe(2);
  });
});
