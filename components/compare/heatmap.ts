// Figures shown with the change heatmap; pure, so they can be tested.

export interface TChangeFigures {
  /** 0..1 share of pixels that changed. */
  changedFraction: number | null;
  /** Structural similarity of the two images, 0..1 (1 = identical). */
  ssim: number | null;
  /** 0..1 share of pixels outside the mask that changed; null without a mask. */
  changeOutsideMask: number | null;
}

function isFiniteNumber(value: number | null | undefined): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** "Changed 12.3% · SSIM 0.871 · Outside mask 1.2%", leaving out what is unknown ("" when nothing is). */
export function formatChangeFigures(figures: TChangeFigures): string {
  const parts: string[] = [];
  if (isFiniteNumber(figures.changedFraction)) parts.push(`Changed ${formatPercent(figures.changedFraction)}`);
  if (isFiniteNumber(figures.ssim)) parts.push(`SSIM ${figures.ssim.toFixed(3)}`);
  if (isFiniteNumber(figures.changeOutsideMask)) parts.push(`Outside mask ${formatPercent(figures.changeOutsideMask)}`);
  return parts.join(" · ");
}

export const NO_HEATMAP_MESSAGE = "No change map for this pair";
/** Said instead while the background workers have not made the pair's change map yet. */
export const HEATMAP_NOT_READY_MESSAGE = "Change map not ready yet";
