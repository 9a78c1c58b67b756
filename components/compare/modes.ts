export type BaseCompareMode = "side-by-side" | "slider" | "flicker";
/** "heatmap" sits outside the V cycle: D toggles it on and back to the view it replaced. */
export type CompareMode = BaseCompareMode | "heatmap";

export const COMPARE_MODES: BaseCompareMode[] = ["side-by-side", "slider", "flicker"];

export const COMPARE_MODE_LABELS: Record<CompareMode, string> = {
  "side-by-side": "Side by side",
  slider: "Slider",
  flicker: "Flicker",
  heatmap: "Heatmap",
};

export function isBaseCompareMode(value: unknown): value is BaseCompareMode {
  return typeof value === "string" && (COMPARE_MODES as string[]).includes(value);
}

export function isCompareMode(value: unknown): value is CompareMode {
  return value === "heatmap" || isBaseCompareMode(value);
}

/** The mode after `mode` (or before, `step = -1`), wrapping; from the heatmap V carries on from `returnMode`. */
export function nextCompareMode(mode: CompareMode, step = 1, returnMode: BaseCompareMode = "side-by-side"): BaseCompareMode {
  const from = mode === "heatmap" ? returnMode : mode;
  const index = COMPARE_MODES.indexOf(from);
  const n = COMPARE_MODES.length;
  const next = (((index < 0 ? 0 : index) + step) % n + n) % n;
  return COMPARE_MODES[next] ?? "side-by-side";
}

export function toggleHeatmapMode(mode: CompareMode, returnMode: BaseCompareMode): CompareMode {
  return mode === "heatmap" ? returnMode : "heatmap";
}

/** What D should return to once `mode` is on screen: the mode itself unless it is the heatmap. */
export function rememberReturnMode(mode: CompareMode, returnMode: BaseCompareMode): BaseCompareMode {
  return mode === "heatmap" ? returnMode : mode;
}

export interface TCompareModeState {
  mode: CompareMode;
  returnMode: BaseCompareMode;
}

export function withCompareMode(state: TCompareModeState, mode: CompareMode): TCompareModeState {
  const returnMode = rememberReturnMode(mode, state.returnMode);
  return state.mode === mode && state.returnMode === returnMode ? state : { mode, returnMode };
}

/** What the compare view shows for the selected `mode`, given the view D returns to. */
export interface TShownMode {
  /** The heatmap is selected but this pair has no change map. */
  heatmapMissing: boolean;
  shownMode: CompareMode;
  showingHeatmap: boolean;
}

/** The heatmap stays selected across pairs; a pair without one shows the view it replaced. */
export function resolveShownMode(mode: CompareMode, back: BaseCompareMode, hasHeatmap: boolean): TShownMode {
  const heatmapMissing = mode === "heatmap" && !hasHeatmap;
  const shownMode: CompareMode = heatmapMissing ? back : mode;
  return { heatmapMissing, shownMode, showingHeatmap: shownMode === "heatmap" && hasHeatmap };
}

/** The view D returns to: the mode on screen unless it is the heatmap, then the page's or the last seen. */
export function backMode(mode: CompareMode, returnMode: BaseCompareMode | undefined, seenMode: BaseCompareMode): BaseCompareMode {
  return isBaseCompareMode(mode) ? mode : (returnMode ?? seenMode);
}

export type TComparePane = "side-by-side" | "slider" | "heatmap" | "flicker";

/** The pane drawn for the mode shown (resolveShownMode), so the pane always matches the selected radio. */
export function comparePane(shownMode: CompareMode, showingHeatmap: boolean): TComparePane {
  if (shownMode === "side-by-side" || shownMode === "slider") return shownMode;
  return showingHeatmap ? "heatmap" : "flicker";
}

export function modeStepForKey(key: string): 1 | -1 | null {
  if (key === "ArrowRight" || key === "ArrowDown") return 1;
  if (key === "ArrowLeft" || key === "ArrowUp") return -1;
  return null;
}

/** The one radio reachable with Tab: the view D returns to (so it stays put while the heatmap shows). */
export function tabbableModeIndex(back: BaseCompareMode): number {
  return Math.max(0, COMPARE_MODES.indexOf(back));
}
