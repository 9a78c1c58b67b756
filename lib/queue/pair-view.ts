// The pair's images and change map as the compare view gets them, from a row of `pairs`. Shared by
// the annotator's claim and the reviewer's queue. Pure: no server-only import.
import type { TPairView } from "./types";

export type TPairViewRow = {
  source_image: string;
  edited_image: string;
  mask_image: string | null;
  reference_image?: string | null;
  source_preview: string | null;
  edited_preview: string | null;
  heatmap_image: string | null;
  change_fraction: number | null;
  ssim: number | null;
  change_outside_mask: number | null;
  /** EXISTS a pair_derivatives row: previews and change map not made yet. */
  derivatives_pending?: boolean | null;
  session_id?: string | null;
  turn?: number | null;
};

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

export function toPairView(r: TPairViewRow): TPairView {
  return {
    // The compare view shows the previews; the originals stay one link away. CHAR(64)
    // columns come back padded on some drivers, hence trim.
    sourceImage: (r.source_preview ?? r.source_image).trim(),
    editedImage: (r.edited_preview ?? r.edited_image).trim(),
    maskImage: r.mask_image?.trim() ?? null,
    referenceImage: r.reference_image?.trim() ?? null,
    sourceOriginal: r.source_image.trim(),
    editedOriginal: r.edited_image.trim(),
    heatmapImage: r.heatmap_image?.trim() ?? null,
    changedFraction: num(r.change_fraction),
    ssim: num(r.ssim),
    changeOutsideMask: num(r.change_outside_mask),
    derivativesPending: r.derivatives_pending === true,
    sessionId: r.session_id ?? null,
    turn: num(r.turn ?? null),
  };
}
