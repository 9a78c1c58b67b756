/** The three views V cycles through. */
export type BaseCompareMode = "side-by-side" | "slider" | "flicker";
/** "heatmap" sits outside the V cycle: D toggles it on and back to the view it replaced. */
export type CompareMode = BaseCompareMode | "heatmap";

/** In cycling order (the V key goes side-by-side → slider → flicker → side-by-side …). */
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

/**
 * The mode after `mode` (or before it with `step = -1`), wrapping around. From the heatmap, V
 * carries on the cycle from `returnMode`, the view the heatmap replaced.
 */
export function nextCompareMode(mode: CompareMode, step = 1, returnMode: BaseCompareMode = "side-by-side"): BaseCompareMode {
  const from = mode === "heatmap" ? returnMode : mode;
  const index = COMPARE_MODES.indexOf(from);
  const n = COMPARE_MODES.length;
  const next = (((index < 0 ? 0 : index) + step) % n + n) % n;
  return COMPARE_MODES[next] ?? "side-by-side";
}

/** D: into the heatmap, or out of it back to `returnMode`. */
export function toggleHeatmapMode(mode: CompareMode, returnMode: BaseCompareMode): CompareMode {
  return mode === "heatmap" ? returnMode : "heatmap";
}

/** What D should return to once `mode` is on screen: the mode itself unless it is the heatmap. */
export function rememberReturnMode(mode: CompareMode, returnMode: BaseCompareMode): BaseCompareMode {
  return mode === "heatmap" ? returnMode : mode;
}

export interface TCompareModeState {
  mode: CompareMode;
  /** The view D goes back to from the heatmap. */
  returnMode: BaseCompareMode;
}

export function withCompareMode(state: TCompareModeState, mode: CompareMode): TCompareModeState {
  const returnMode = rememberReturnMode(mode, state.returnMode);
  return state.mode === mode && state.returnMode === returnMode ? state : { mode, returnMode };
}
