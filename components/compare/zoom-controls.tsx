"use client";

import { TOOLBAR_BUTTON } from "./toolbar-button";
import { canZoomIn, formatZoom, isZoomed, ZOOM_STEP } from "./viewport";

export function ZoomControls({ scale, onZoom, onReset }: { scale: number; onZoom: (factor: number) => void; onReset: () => void }) {
  return (
    <div className="flex items-center gap-1" role="group" aria-label="Zoom">
      <button
        type="button"
        className={TOOLBAR_BUTTON}
        aria-label="Zoom out"
        title="Zoom out (or scroll down over the image)"
        disabled={!isZoomed(scale)}
        onClick={() => onZoom(1 / ZOOM_STEP)}
      >
        −
      </button>
      <output aria-label="Zoom level" className="min-w-12 text-center text-sm tabular-nums text-neutral-300">
        {formatZoom(scale)}
      </output>
      <button
        type="button"
        className={TOOLBAR_BUTTON}
        aria-label="Zoom in"
        title="Zoom in (or scroll up over the image)"
        disabled={!canZoomIn(scale)}
        onClick={() => onZoom(ZOOM_STEP)}
      >
        +
      </button>
      <button type="button" className={TOOLBAR_BUTTON} title="Reset zoom (or double-click the image)" onClick={onReset}>
        Reset zoom
      </button>
    </div>
  );
}
