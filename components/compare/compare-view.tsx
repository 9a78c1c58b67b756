"use client";

import { useRef, useState } from "react";
import type { TPaneFrame } from "./compare-pane";
import { CompareToolbar } from "./compare-toolbar";
import { cx } from "./cx";
import { FlickerPane } from "./flicker-pane";
import { formatChangeFigures, HEATMAP_NOT_READY_MESSAGE, NO_HEATMAP_MESSAGE, type TChangeFigures } from "./heatmap";
import { HeatmapFigures, HeatmapPane } from "./heatmap-pane";
import { showsSource } from "./keys";
import { failedImagesText } from "./load-status";
import {
  backMode,
  comparePane,
  isBaseCompareMode,
  nextCompareMode,
  resolveShownMode,
  toggleHeatmapMode,
  type BaseCompareMode,
  type CompareMode,
} from "./modes";
import { SideBySidePane } from "./side-by-side-pane";
import { SliderPane } from "./slider-pane";
import { useCompareKeys } from "./use-compare-keys";
import { useHoldButton } from "./use-hold-button";
import { useImageLoad } from "./use-image-load";
import { useSlider } from "./use-slider";
import { useZoomPan } from "./use-zoom-pan";

export { COMPARE_MODES, type BaseCompareMode, type CompareMode } from "./modes";

/** A pair's change map (a difference heatmap image) and the figures measured with it. */
export interface CompareHeatmap extends TChangeFigures {
  src: string;
}

export interface CompareMask {
  src: string;
  shown: boolean;
  onToggle: () => void;
}

export interface CompareViewProps {
  sourceSrc: string;
  editedSrc: string;
  sourceAlt?: string;
  editedAlt?: string;
  /** Controlled: the page owns (and may persist) the mode. */
  mode: CompareMode;
  onModeChange: (mode: CompareMode) => void;
  /** The view D returns to from the heatmap, when the page keeps it across pairs (useCompareMode). */
  returnMode?: BaseCompareMode;
  /** The pair's change map; without one, D and the Heatmap button say so instead. */
  heatmap?: CompareHeatmap | null;
  /** The change map is still being made (background workers): D and the button say "not ready" rather than "none". */
  heatmapPending?: boolean;
  /** The pair's mask (white = edit area) and whether its overlay is on; the page owns the switch so it lasts across pairs. */
  mask?: CompareMask | null;
  /** Window-level shortcuts (V, D, M, hold Space); off while a text field is focused or an overlay is open. */
  keyboardEnabled?: boolean;
  className?: string;
}

/** Before/after compare view: side-by-side, slider and flicker (hold Space for the source), and the heatmap on D. */
export function CompareView({
  sourceSrc,
  editedSrc,
  sourceAlt = "Source image",
  editedAlt = "Edited image",
  mode,
  onModeChange,
  returnMode,
  heatmap,
  heatmapPending = false,
  mask,
  keyboardEnabled = true,
  className,
}: CompareViewProps) {
  const rootRef = useRef<HTMLDivElement | null>(null);
  const heatmapSrc = heatmap?.src ?? null;
  const [spaceHeld, setSpaceHeld] = useState(false);
  // Bumped each time D is pressed on a pair without a change map, so the status is re-announced.
  const [noHeatmapNotice, setNoHeatmapNotice] = useState(0);

  // A new pair of images starts afresh (state adjusted while rendering, React's alternative to an effect).
  const pairKey = `${sourceSrc}\n${editedSrc}\n${heatmapSrc ?? ""}`;
  const [prevPairKey, setPrevPairKey] = useState(pairKey);
  if (prevPairKey !== pairKey) {
    setPrevPairKey(pairKey);
    setNoHeatmapNotice(0);
  }
  const zoom = useZoomPan(rootRef, pairKey);
  const slider = useSlider();
  const hold = useHoldButton();

  const [seenMode, setSeenMode] = useState<BaseCompareMode>(isBaseCompareMode(mode) ? mode : "side-by-side");
  if (isBaseCompareMode(mode) && mode !== seenMode) setSeenMode(mode);
  const back = backMode(mode, returnMode, seenMode);
  const { heatmapMissing, shownMode, showingHeatmap } = resolveShownMode(mode, back, heatmapSrc !== null);

  const images = useImageLoad(sourceSrc, editedSrc, heatmapSrc, showingHeatmap);
  const showingSource = showsSource(spaceHeld, keyboardEnabled, hold.held);

  const changeMode = (next: CompareMode) => {
    setNoHeatmapNotice(0);
    onModeChange(next);
  };
  const toggleHeatmap = () => {
    if (mode !== "heatmap" && !heatmapSrc) {
      setNoHeatmapNotice((n) => n + 1);
      return;
    }
    changeMode(toggleHeatmapMode(mode, back));
  };

  useCompareKeys({
    enabled: keyboardEnabled,
    rootRef,
    onCycleMode: () => changeMode(nextCompareMode(mode, 1, back)),
    onToggleHeatmap: toggleHeatmap,
    onToggleMask: mask ? mask.onToggle : null,
    onHoldSource: setSpaceHeld,
  });

  const frame: TPaneFrame = {
    view: zoom.view,
    dragging: zoom.dragging,
    attach: zoom.paneRef,
    handlers: zoom.paneHandlers,
    load: images.load,
    onImageStatus: images.onStatus,
    mask: mask?.shown ? { src: mask.src, sourceSrc } : null,
  };
  const source = { src: sourceSrc, alt: sourceAlt };
  const edited = { src: editedSrc, alt: editedAlt };
  const pane = comparePane(shownMode, showingHeatmap);
  const failed = images.load.failed;

  return (
    <div ref={rootRef} className={cx("flex w-full flex-col gap-2", className)}>
      <CompareToolbar
        modes={{ mode, shownMode, back, showingHeatmap, hasHeatmap: heatmapSrc !== null, noHeatmapMessage: heatmapPending ? HEATMAP_NOT_READY_MESSAGE : NO_HEATMAP_MESSAGE, onModeChange: changeMode, onToggleHeatmap: toggleHeatmap }}
        zoom={{ scale: zoom.view.scale, onZoom: zoom.zoomBy, onReset: zoom.reset }}
        hold={hold.handlers}
        showingSource={showingSource}
        noHeatmapNotice={noHeatmapNotice}
        heatmapMissing={heatmapMissing}
        mask={mask ? { shown: mask.shown, onToggle: mask.onToggle } : null}
      />

      <div className="min-h-0 lg:flex-1">
        {pane === "side-by-side" ? (
          <SideBySidePane frame={frame} source={source} edited={edited} showingSource={showingSource} />
        ) : pane === "slider" ? (
          <SliderPane frame={frame} source={source} edited={edited} showingSource={showingSource} slider={slider} />
        ) : pane === "heatmap" && heatmap ? (
          <HeatmapPane frame={frame} source={source} heatmapSrc={heatmap.src} showingSource={showingSource} />
        ) : (
          <FlickerPane frame={frame} source={source} edited={edited} showingSource={showingSource} />
        )}
      </div>

      {/* One line of fixed height under the panes: what it says changes (the heatmap's key, a load failure, the
          keys), never the panes' size. */}
      <div className="flex h-6 shrink-0 items-center overflow-hidden rounded-md bg-neutral-800 px-3 text-xs text-neutral-200">
        {failed.length > 0 ? (
          <p role="alert" className="truncate text-red-300">
            {failedImagesText(failed)} Try reloading the page.
          </p>
        ) : pane === "heatmap" && heatmap ? (
          <HeatmapFigures figures={formatChangeFigures(heatmap)} />
        ) : (
          <p className="truncate text-neutral-400">
            <kbd className="font-sans">V</kbd> mode · <kbd className="font-sans">D</kbd> heatmap ·{mask ? <> <kbd className="font-sans">M</kbd> mask ·</> : null} hold{" "}
            <kbd className="font-sans">Space</kbd> source · scroll zoom · drag pan · double-click reset
          </p>
        )}
      </div>

      <div className="sr-only" aria-live="polite">
        {showingSource ? "Showing source image" : ""}
      </div>
      <div className="sr-only" role="status">
        {images.load.loading ? "Loading images…" : ""}
      </div>
    </div>
  );
}
