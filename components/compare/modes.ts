export type CompareMode = "side-by-side" | "slider" | "flicker";

/** In cycling order (the V key goes side-by-side → slider → flicker → side-by-side …). */
export const COMPARE_MODES: CompareMode[] = ["side-by-side", "slider", "flicker"];

export const COMPARE_MODE_LABELS: Record<CompareMode, string> = {
  "side-by-side": "Side by side",
  slider: "Slider",
  flicker: "Flicker",
};

export function isCompareMode(value: unknown): value is CompareMode {
  return typeof value === "string" && (COMPARE_MODES as string[]).includes(value);
}

/** The mode after `mode` (or before it with `step = -1`), wrapping around. */
export function nextCompareMode(mode: CompareMode, step = 1): CompareMode {
  const index = COMPARE_MODES.indexOf(mode);
  const n = COMPARE_MODES.length;
  const next = (((index < 0 ? 0 : index) + step) % n + n) % n;
  return COMPARE_MODES[next] ?? "side-by-side";
}
