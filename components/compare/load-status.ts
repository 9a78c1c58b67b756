// Which images a compare view waits for and what it says about them. Pure.

export type TImageStatus = "loaded" | "error";
export type TStatusMap = Readonly<Record<string, TImageStatus>>;

export interface TLoadSummary {
  /** Names of the needed images that failed ("source", "edited", "change map"). */
  failed: string[];
  loading: boolean;
  ready: boolean;
  /** What the server said about the failed ones, e.g. the bucket key of an object that vanished. */
  reasons: string[];
}

/** The statuses still worth keeping for a new set of images (a src seen before keeps its status). */
export function keepStatuses(prev: TStatusMap, srcs: readonly (string | null)[]): TStatusMap {
  const kept: Record<string, TImageStatus> = {};
  for (const src of srcs) {
    const status = src ? prev[src] : undefined;
    if (src && status) kept[src] = status;
  }
  return kept;
}

/** `prev` with `src` marked `status`; the same object when nothing changes (no re-render). */
export function withStatus(prev: TStatusMap, src: string, status: TImageStatus): TStatusMap {
  return prev[src] === status ? prev : { ...prev, [src]: status };
}

/** The images on screen, by name: the source, and the edit or the change map. */
export function neededImages(sourceSrc: string, editedSrc: string, heatmapSrc: string | null, showingHeatmap: boolean): [string, string][] {
  return showingHeatmap && heatmapSrc !== null
    ? [["source", sourceSrc], ["change map", heatmapSrc]]
    : [["source", sourceSrc], ["edited", editedSrc]];
}

export function summarizeLoad(needed: readonly [string, string][], statuses: TStatusMap, reasons: Readonly<Record<string, string>> = {}): TLoadSummary {
  const each = needed.map(([, src]) => statuses[src] ?? "loading");
  const failed = needed.filter((_, i) => each[i] === "error");
  return {
    failed: failed.map(([name]) => name),
    loading: failed.length === 0 && each.includes("loading"),
    ready: each.every((s) => s === "loaded"),
    reasons: failed.map(([, src]) => reasons[src]).filter((r): r is string => !!r),
  };
}

export function failedImagesText(failed: readonly string[]): string {
  return `Couldn’t load the ${failed.join(" and ")} image${failed.length > 1 ? "s" : ""}.`;
}
