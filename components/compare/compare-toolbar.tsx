"use client";

import type { ComponentProps } from "react";
import { cx } from "./cx";
import { NO_HEATMAP_MESSAGE } from "./heatmap";
import { ModeSwitch } from "./mode-switch";
import { TOOLBAR_BUTTON } from "./toolbar-button";
import type { useHoldButton } from "./use-hold-button";
import { ZoomControls } from "./zoom-controls";

export function CompareToolbar({ modes, zoom, hold, showingSource, noHeatmapNotice, heatmapMissing, mask }: {
  modes: ComponentProps<typeof ModeSwitch>;
  zoom: ComponentProps<typeof ZoomControls>;
  hold: ReturnType<typeof useHoldButton>["handlers"];
  showingSource: boolean;
  /** Bumped each time D finds no change map, so the status is announced again. */
  noHeatmapNotice: number;
  heatmapMissing: boolean;
  /** The mask overlay's switch; null when the pair has no mask. */
  mask?: { shown: boolean; onToggle: () => void } | null;
}) {
  return (
    <div className="flex shrink-0 flex-wrap items-center gap-2 rounded-md bg-neutral-800 p-1.5 text-neutral-200 lg:flex-nowrap lg:overflow-hidden">
      <ModeSwitch {...modes} />
      <ZoomControls {...zoom} />

      <button
        type="button"
        aria-pressed={showingSource}
        title="Hold to show the source image (or hold Space)"
        className={cx(TOOLBAR_BUTTON, "touch-none select-none", showingSource && "bg-amber-400 text-neutral-950 hover:bg-amber-300")}
        {...hold}
      >
        Hold to show source
      </button>

      {mask ? (
        <button type="button" aria-pressed={mask.shown} title="Show the mask's edit area over the images (M)" className={cx(TOOLBAR_BUTTON, mask.shown && "bg-fuchsia-500 text-neutral-950 hover:bg-fuchsia-400")}
          onClick={mask.onToggle}>
          Mask
        </button>
      ) : null}

      <p role="status" className="min-w-0 truncate text-xs text-amber-300">
        {noHeatmapNotice > 0 || heatmapMissing ? <span key={noHeatmapNotice}>{modes.noHeatmapMessage ?? NO_HEATMAP_MESSAGE}</span> : null}
      </p>

    </div>
  );
}
