"use client";

import {
  useCallback,
  useRef,
  useState,
  type CSSProperties,
  type KeyboardEvent as ReactKeyboardEvent,
  type MouseEvent as ReactMouseEvent,
  type PointerEvent as ReactPointerEvent,
  type ReactNode,
} from "react";
import { formatChangeFigures, NO_HEATMAP_MESSAGE, type TChangeFigures } from "./heatmap";
import {
  COMPARE_MODE_LABELS,
  COMPARE_MODES,
  isBaseCompareMode,
  nextCompareMode,
  toggleHeatmapMode,
  type BaseCompareMode,
  type CompareMode,
} from "./modes";
import { useCompareKeys } from "./use-compare-keys";
import {
  FULL_RECT,
  IDENTITY_VIEW,
  MAX_SCALE,
  MIN_SCALE,
  ZOOM_STEP,
  fitContain,
  formatZoom,
  isPixelated,
  panBy,
  sliderPositionForKey,
  sliderPositionFromPointer,
  unionRect,
  viewsEqual,
  wheelZoomFactor,
  zoomAt,
  type Rect,
  type View,
} from "./viewport";

export { COMPARE_MODES, type BaseCompareMode, type CompareMode } from "./modes";

/** A pair's change map (a difference heatmap image) and the figures measured with it. */
export interface CompareHeatmap extends TChangeFigures {
  src: string;
}

export interface CompareViewProps {
  sourceSrc: string;
  editedSrc: string;
  /** Default "Source image". */
  sourceAlt?: string;
  /** Default "Edited image". */
  editedAlt?: string;
  /** Controlled: the page owns (and may persist) the mode. */
  mode: CompareMode;
  onModeChange: (mode: CompareMode) => void;
  /**
   * The view D returns to from the heatmap. Pages that keep the mode across pairs pass it (see
   * useCompareMode); otherwise the view remembers the last of the three modes it showed.
   */
  returnMode?: BaseCompareMode;
  /** The pair's change map; without one, D and the Heatmap button say so instead. */
  heatmap?: CompareHeatmap | null;
  /**
   * Window-level shortcuts (V, D, hold Space). Default true; turn off while a text field is
   * focused or an overlay is open.
   */
  keyboardEnabled?: boolean;
  className?: string;
}

type LoadStatus = "loading" | "loaded" | "error";

const PANE_SELECTOR = "[data-compare-pane]";
const IMAGE_SELECTOR = "img[data-compare-image]";
/** The colour ramp of the change maps (inferno from its purple third, lib/images/derive.ts). */
const HEAT_LEGEND_STYLE: CSSProperties = {
  backgroundImage: "linear-gradient(to right, rgb(126 30 107), rgb(186 54 85), rgb(227 89 51), rgb(249 140 10), rgb(249 201 50), rgb(252 255 164))",
};

interface DragState {
  pointerId: number;
  startX: number;
  startY: number;
  startView: View;
  width: number;
  height: number;
  content: Rect;
}

function cx(...classes: (string | false | null | undefined)[]): string {
  return classes.filter(Boolean).join(" ");
}

/**
 * The image area (normalized to a pane of `paneSize`) the transform must keep in view: the
 * union of the fitted rectangles of every loaded image of this compare view.
 */
function contentRectFor(root: HTMLElement | null, paneSize: { width: number; height: number }): Rect {
  if (!root) return FULL_RECT;
  const rects: Rect[] = [];
  root.querySelectorAll<HTMLImageElement>(IMAGE_SELECTOR).forEach((img) => {
    if (img.naturalWidth > 0 && img.naturalHeight > 0) {
      rects.push(fitContain({ width: img.naturalWidth, height: img.naturalHeight }, paneSize));
    }
  });
  return rects.length > 0 ? unionRect(...rects) : FULL_RECT;
}

/**
 * Before/after compare view: side-by-side (synchronized zoom/pan), slider (draggable divider)
 * and flicker (hold Space or the button to see the source in place of the edit), plus the
 * import-time change heatmap on D, at the same zoom and pan.
 */
export function CompareView({
  sourceSrc,
  editedSrc,
  sourceAlt = "Source image",
  editedAlt = "Edited image",
  mode,
  onModeChange,
  returnMode,
  heatmap,
  keyboardEnabled = true,
  className,
}: CompareViewProps) {
  const rootRef = useRef<HTMLDivElement | null>(null);
  const dragRef = useRef<DragState | null>(null);
  const sliderDragRef = useRef<number | null>(null);

  const [view, setView] = useState<View>(IDENTITY_VIEW);
  const [dragging, setDragging] = useState(false);
  const [sliderPosition, setSliderPosition] = useState(50);
  const [spaceHeld, setSpaceHeld] = useState(false);
  const [buttonHeld, setButtonHeld] = useState(false);
  const [loadStatus, setLoadStatus] = useState<Record<string, "loaded" | "error">>({});
  // Bumped each time D is pressed on a pair without a change map, so the status is re-announced.
  const [noHeatmapNotice, setNoHeatmapNotice] = useState(0);

  const heatmapSrc = heatmap?.src ?? null;

  // A new pair of images starts at the fitted view (adjusting state while rendering, the
  // React-recommended alternative to an effect).
  const pairKey = `${sourceSrc}\n${editedSrc}\n${heatmapSrc ?? ""}`;
  const [prevPairKey, setPrevPairKey] = useState(pairKey);
  if (prevPairKey !== pairKey) {
    setPrevPairKey(pairKey);
    setView(IDENTITY_VIEW);
    setNoHeatmapNotice(0);
    setLoadStatus((prev) => {
      const kept: Record<string, "loaded" | "error"> = {};
      for (const src of [sourceSrc, editedSrc, heatmapSrc]) {
        const status = src ? prev[src] : undefined;
        if (src && status) kept[src] = status;
      }
      return kept;
    });
  }

  // The view D returns to, when the page does not keep it.
  const [seenMode, setSeenMode] = useState<BaseCompareMode>(isBaseCompareMode(mode) ? mode : "side-by-side");
  if (isBaseCompareMode(mode) && mode !== seenMode) setSeenMode(mode);
  const back: BaseCompareMode = isBaseCompareMode(mode) ? mode : (returnMode ?? seenMode);
  // The heatmap stays selected across pairs; a pair without one shows the view it replaced.
  const heatmapMissing = mode === "heatmap" && !heatmapSrc;
  const shownMode: CompareMode = heatmapMissing ? back : mode;
  const showingHeatmap = shownMode === "heatmap" && heatmapSrc !== null;

  const needed: [string, string][] = showingHeatmap
    ? [["source", sourceSrc], ["change map", heatmapSrc]]
    : [["source", sourceSrc], ["edited", editedSrc]];
  const statuses = needed.map(([, src]): LoadStatus => loadStatus[src] ?? "loading");
  const failed = needed.filter((_, i) => statuses[i] === "error").map(([name]) => name);
  const loading = failed.length === 0 && statuses.includes("loading");
  const ready = statuses.every((s) => s === "loaded");

  // Space-held state is ignored while the page has disabled shortcuts (derived, not synced).
  const showingSource = (spaceHeld && keyboardEnabled) || buttonHeld;

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
    onHoldSource: setSpaceHeld,
  });

  const handleImageStatus = useCallback((src: string, status: "loaded" | "error") => {
    setLoadStatus((prev) => (prev[src] === status ? prev : { ...prev, [src]: status }));
  }, []);

  // ---- zoom & pan ---------------------------------------------------------------------------

  /** Callback ref for every pane: a non-passive wheel listener (React's onWheel is passive). */
  const paneRef = useCallback((el: HTMLDivElement | null) => {
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      if (e.deltaY === 0) return; // purely horizontal scroll: leave it to the page
      e.preventDefault();
      const r = el.getBoundingClientRect();
      if (r.width <= 0 || r.height <= 0) return;
      const point = { x: (e.clientX - r.left) / r.width, y: (e.clientY - r.top) / r.height };
      const content = contentRectFor(rootRef.current, r);
      const factor = wheelZoomFactor(e.deltaY, e.deltaMode, e.ctrlKey);
      setView((v) => zoomAt(v, factor, point, content));
    };
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => el.removeEventListener("wheel", onWheel);
  }, []);

  const zoomFromButton = (factor: number) => {
    const pane = rootRef.current?.querySelector<HTMLElement>(PANE_SELECTOR);
    const r = pane?.getBoundingClientRect();
    const content = r ? contentRectFor(rootRef.current, r) : FULL_RECT;
    setView((v) => zoomAt(v, factor, { x: 0.5, y: 0.5 }, content));
  };

  const resetView = () => setView(IDENTITY_VIEW);

  const endDrag = (e: ReactPointerEvent<HTMLDivElement>) => {
    const drag = dragRef.current;
    if (!drag || drag.pointerId !== e.pointerId) return;
    dragRef.current = null;
    setDragging(false);
    if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
  };

  const paneHandlers = {
    onPointerDown: (e: ReactPointerEvent<HTMLDivElement>) => {
      if (e.button !== 0 || dragRef.current) return;
      const r = e.currentTarget.getBoundingClientRect();
      if (r.width <= 0 || r.height <= 0) return;
      e.currentTarget.setPointerCapture(e.pointerId);
      dragRef.current = {
        pointerId: e.pointerId,
        startX: e.clientX,
        startY: e.clientY,
        startView: view,
        width: r.width,
        height: r.height,
        content: contentRectFor(rootRef.current, r),
      };
      setDragging(true);
    },
    onPointerMove: (e: ReactPointerEvent<HTMLDivElement>) => {
      const drag = dragRef.current;
      if (!drag || drag.pointerId !== e.pointerId) return;
      const next = panBy(
        drag.startView,
        (e.clientX - drag.startX) / drag.width,
        (e.clientY - drag.startY) / drag.height,
        drag.content,
      );
      setView((v) => (viewsEqual(v, next) ? v : next));
    },
    onPointerUp: endDrag,
    onPointerCancel: endDrag,
    onLostPointerCapture: endDrag,
    onDoubleClick: resetView,
  };

  // ---- slider ---------------------------------------------------------------------------------

  const setSliderFromPointer = (e: ReactPointerEvent<HTMLElement>) => {
    const pane = e.currentTarget.closest<HTMLElement>(PANE_SELECTOR);
    if (!pane) return;
    const r = pane.getBoundingClientRect();
    setSliderPosition(sliderPositionFromPointer(e.clientX, r.left, r.width));
  };

  const sliderHandlers = {
    onPointerDown: (e: ReactPointerEvent<HTMLDivElement>) => {
      if (e.button !== 0) return;
      e.stopPropagation(); // don't start a pan
      e.currentTarget.setPointerCapture(e.pointerId);
      e.currentTarget.focus();
      sliderDragRef.current = e.pointerId;
      setSliderFromPointer(e);
    },
    onPointerMove: (e: ReactPointerEvent<HTMLDivElement>) => {
      if (sliderDragRef.current !== e.pointerId) return;
      setSliderFromPointer(e);
    },
    onPointerUp: (e: ReactPointerEvent<HTMLDivElement>) => {
      if (sliderDragRef.current === e.pointerId) sliderDragRef.current = null;
    },
    onPointerCancel: (e: ReactPointerEvent<HTMLDivElement>) => {
      if (sliderDragRef.current === e.pointerId) sliderDragRef.current = null;
    },
    onLostPointerCapture: (e: ReactPointerEvent<HTMLDivElement>) => {
      if (sliderDragRef.current === e.pointerId) sliderDragRef.current = null;
    },
    onDoubleClick: (e: ReactMouseEvent) => e.stopPropagation(), // don't reset the zoom
    onKeyDown: (e: ReactKeyboardEvent<HTMLDivElement>) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const next = sliderPositionForKey(sliderPosition, e.key);
      if (next === null) return;
      e.preventDefault();
      setSliderPosition(next);
    },
  };

  // ---- hold-to-show-source button -------------------------------------------------------------

  const holdButtonHandlers = {
    onPointerDown: (e: ReactPointerEvent<HTMLButtonElement>) => {
      if (e.button !== 0) return;
      e.currentTarget.setPointerCapture(e.pointerId);
      setButtonHeld(true);
    },
    onPointerUp: () => setButtonHeld(false),
    onPointerCancel: () => setButtonHeld(false),
    onLostPointerCapture: () => setButtonHeld(false),
    onKeyDown: (e: ReactKeyboardEvent<HTMLButtonElement>) => {
      if (e.key === "Enter") {
        e.preventDefault();
        if (!e.repeat) setButtonHeld(true);
      }
    },
    onKeyUp: (e: ReactKeyboardEvent<HTMLButtonElement>) => {
      if (e.key === "Enter") setButtonHeld(false);
    },
    onBlur: () => setButtonHeld(false),
    onContextMenu: (e: ReactMouseEvent) => e.preventDefault(), // long-press on touch
  };

  // ---- rendering ------------------------------------------------------------------------------

  const transformStyle: CSSProperties = {
    transform: `translate(${view.x * 100}%, ${view.y * 100}%) scale(${view.scale})`,
    transformOrigin: "0 0",
  };
  const imageRendering: CSSProperties["imageRendering"] = isPixelated(view.scale) ? "pixelated" : "auto";
  const zoomed = view.scale > MIN_SCALE + 1e-6;

  const layer = (src: string, alt: string, visible: boolean, extraStyle?: CSSProperties) => {
    return (
      <div
        className={cx("absolute inset-0", !visible && "invisible")}
        style={extraStyle}
        aria-hidden={visible ? undefined : true}
      >
        <div className="absolute inset-0 will-change-transform" style={transformStyle}>
          <CompareImage
            src={src}
            alt={alt}
            imageRendering={imageRendering}
            onStatus={handleImageStatus}
          />
        </div>
      </div>
    );
  };
  const image = (which: "source" | "edited", visible: boolean, extraStyle?: CSSProperties) =>
    which === "source" ? layer(sourceSrc, sourceAlt, visible, extraStyle) : layer(editedSrc, editedAlt, visible, extraStyle);

  const paneOverlay = (
    <>
      {loading && (
        <div aria-hidden className="absolute inset-0 grid place-items-center">
          <span className="animate-pulse rounded bg-neutral-800/80 px-3 py-1 text-sm text-neutral-300">
            Loading images…
          </span>
        </div>
      )}
      {failed.length > 0 && (
        <div aria-hidden className="absolute inset-0 grid place-items-center p-4">
          <span className="rounded bg-red-950/90 px-3 py-2 text-center text-sm text-red-200">
            Couldn’t load the {failed.join(" and ")} image{failed.length > 1 ? "s" : ""}.
          </span>
        </div>
      )}
    </>
  );

  const sourceBadge = showingSource && (
    <span
      aria-hidden
      className="pointer-events-none absolute left-1/2 top-2 -translate-x-1/2 rounded bg-amber-400 px-2 py-0.5 text-xs font-semibold text-neutral-950 shadow"
    >
      showing SOURCE
    </span>
  );

  const paneClass = cx(
    "relative overflow-hidden rounded-md bg-neutral-900 select-none touch-none",
    zoomed ? (dragging ? "cursor-grabbing" : "cursor-grab") : "cursor-default",
  );
  const imagesClass = cx("absolute inset-0 transition-opacity duration-150", ready ? "opacity-100" : "opacity-0");

  const chip = (text: string, side: "left" | "right") => (
    <span
      aria-hidden
      className={cx(
        "pointer-events-none absolute top-2 rounded bg-neutral-950/70 px-2 py-0.5 text-xs font-medium text-neutral-200",
        side === "left" ? "left-2" : "right-2",
      )}
    >
      {text}
    </span>
  );

  const pane = (label: string, children: ReactNode, heightClass = "h-[60vh] min-h-64") => (
    <div
      ref={paneRef}
      data-compare-pane=""
      role="group"
      aria-label={label}
      className={cx(paneClass, heightClass)}
      {...paneHandlers}
    >
      <div className={imagesClass}>{children}</div>
      {paneOverlay}
    </div>
  );

  let panes: ReactNode;
  if (mode === "side-by-side") {
    panes = (
      <div className="grid grid-cols-1 gap-2 sm:grid-cols-2">
        {pane(
          "Source",
          <>
            {image("source", true)}
            {chip("Source", "left")}
          </>,
          "h-[40vh] min-h-48 sm:h-[60vh] sm:min-h-64",
        )}
        {pane(
          "Edited",
          <>
            {image("source", showingSource)}
            {image("edited", !showingSource)}
            {chip(showingSource ? "Edited (showing source)" : "Edited", "left")}
            {sourceBadge}
          </>,
          "h-[40vh] min-h-48 sm:h-[60vh] sm:min-h-64",
        )}
      </div>
    );
  } else if (mode === "slider") {
    panes = pane(
      "Before/after slider",
      <>
        {image("source", true)}
        {image("edited", !showingSource, { clipPath: `inset(0 0 0 ${sliderPosition}%)` })}
        {chip("Source", "left")}
        {!showingSource && chip("Edited", "right")}
        <div
          role="slider"
          tabIndex={0}
          aria-label="Before/after divider"
          aria-orientation="horizontal"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={Math.round(sliderPosition)}
          aria-valuetext={`${Math.round(sliderPosition)}% source`}
          className="group absolute inset-y-0 z-10 w-8 -translate-x-1/2 cursor-ew-resize touch-none outline-none"
          style={{ left: `${sliderPosition}%` }}
          {...sliderHandlers}
        >
          <span aria-hidden className="absolute inset-y-0 left-1/2 w-0.5 -translate-x-1/2 bg-white/90 shadow-[0_0_2px_rgba(0,0,0,0.8)]" />
          <span
            aria-hidden
            className="absolute left-1/2 top-1/2 grid h-8 w-8 -translate-x-1/2 -translate-y-1/2 place-items-center rounded-full border-2 border-white bg-neutral-900/80 text-xs text-white shadow group-focus-visible:ring-2 group-focus-visible:ring-sky-400 group-focus-visible:ring-offset-2 group-focus-visible:ring-offset-neutral-900"
          >
            ⇔
          </span>
        </div>
        {sourceBadge}
      </>,
    );
  } else if (showingHeatmap) {
    const figures = heatmap ? formatChangeFigures(heatmap) : "";
    panes = (
      <div className="flex flex-col gap-2">
        {pane(
          "Change heatmap",
          <>
            {image("source", showingSource)}
            {layer(heatmapSrc, "Change heatmap of the edit", !showingSource)}
            {chip(showingSource ? "Source" : "Change map", "left")}
            {sourceBadge}
          </>,
        )}
        <div className="flex flex-wrap items-center gap-x-4 gap-y-1 rounded-md bg-neutral-800 px-3 py-1.5 text-xs text-neutral-200">
          <div
            className="flex items-center gap-2"
            role="img"
            aria-label="Legend: unchanged pixels show the source dimmed to grey; changes are coloured from purple (small) to pale yellow (large)"
          >
            <span aria-hidden className="h-2 w-4 rounded-sm bg-neutral-600 ring-1 ring-neutral-500" />
            <span aria-hidden>unchanged</span>
            <span aria-hidden className="h-2 w-28 rounded-sm ring-1 ring-neutral-600" style={HEAT_LEGEND_STYLE} />
            <span aria-hidden>small → large change</span>
          </div>
          {figures ? (
            <p className="tabular-nums" data-testid="change-figures">
              {figures}
            </p>
          ) : null}
        </div>
      </div>
    );
  } else {
    panes = pane(
      "Flicker",
      <>
        {image("source", showingSource)}
        {image("edited", !showingSource)}
        {chip(showingSource ? "Source" : "Edited", "left")}
        {sourceBadge}
      </>,
    );
  }

  const modeIndex = Math.max(0, COMPARE_MODES.indexOf(back));
  const onModeKeyDown = (e: ReactKeyboardEvent<HTMLDivElement>) => {
    let step = 0;
    if (e.key === "ArrowRight" || e.key === "ArrowDown") step = 1;
    else if (e.key === "ArrowLeft" || e.key === "ArrowUp") step = -1;
    else return;
    e.preventDefault();
    const next = nextCompareMode(mode, step, back);
    changeMode(next);
    e.currentTarget.querySelector<HTMLElement>(`[data-mode="${next}"]`)?.focus();
  };

  const buttonClass =
    "rounded px-2 py-1 text-sm text-neutral-200 hover:bg-neutral-700 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-sky-400 disabled:opacity-40 disabled:hover:bg-transparent";

  return (
    <div ref={rootRef} className={cx("flex w-full flex-col gap-2", className)}>
      <div className="flex flex-wrap items-center gap-2 rounded-md bg-neutral-800 p-1.5 text-neutral-200">
        <div className="flex items-center gap-0.5 rounded bg-neutral-900 p-0.5">
        <div
          role="radiogroup"
          aria-label="Compare mode"
          className="flex"
          onKeyDown={onModeKeyDown}
        >
          {COMPARE_MODES.map((m, i) => {
            const checked = m === shownMode;
            return (
              <button
                key={m}
                type="button"
                role="radio"
                aria-checked={checked}
                data-mode={m}
                tabIndex={i === modeIndex ? 0 : -1}
                title={`${COMPARE_MODE_LABELS[m]} (V cycles modes)`}
                onClick={() => changeMode(m)}
                className={cx(
                  "rounded px-2.5 py-1 text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-sky-400",
                  checked ? "bg-neutral-600 text-white" : "text-neutral-300 hover:bg-neutral-700",
                )}
              >
                {COMPARE_MODE_LABELS[m]}
              </button>
            );
          })}
        </div>
        <button
          type="button"
          aria-pressed={showingHeatmap}
          aria-disabled={heatmapSrc ? undefined : true}
          aria-keyshortcuts="D"
          title={heatmapSrc ? "Change heatmap (D toggles)" : NO_HEATMAP_MESSAGE}
          onClick={toggleHeatmap}
          className={cx(
            "rounded px-2.5 py-1 text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-sky-400",
            showingHeatmap ? "bg-neutral-600 text-white" : "text-neutral-300 hover:bg-neutral-700",
            !heatmapSrc && "opacity-50",
          )}
        >
          {COMPARE_MODE_LABELS.heatmap}
        </button>
        </div>

        <div className="flex items-center gap-1" role="group" aria-label="Zoom">
          <button
            type="button"
            className={buttonClass}
            aria-label="Zoom out"
            title="Zoom out (or scroll down over the image)"
            disabled={view.scale <= MIN_SCALE + 1e-6}
            onClick={() => zoomFromButton(1 / ZOOM_STEP)}
          >
            −
          </button>
          <output
            aria-label="Zoom level"
            className="min-w-12 text-center text-sm tabular-nums text-neutral-300"
          >
            {formatZoom(view.scale)}
          </output>
          <button
            type="button"
            className={buttonClass}
            aria-label="Zoom in"
            title="Zoom in (or scroll up over the image)"
            disabled={view.scale >= MAX_SCALE - 1e-6}
            onClick={() => zoomFromButton(ZOOM_STEP)}
          >
            +
          </button>
          <button
            type="button"
            className={buttonClass}
            title="Reset zoom (or double-click the image)"
            onClick={resetView}
          >
            Reset zoom
          </button>
        </div>

        <button
          type="button"
          aria-pressed={showingSource}
          title="Hold to show the source image (or hold Space)"
          className={cx(buttonClass, "touch-none select-none", showingSource && "bg-amber-400 text-neutral-950 hover:bg-amber-300")}
          {...holdButtonHandlers}
        >
          Hold to show source
        </button>

        <p role="status" className="text-xs text-amber-300">
          {noHeatmapNotice > 0 || heatmapMissing ? <span key={noHeatmapNotice}>{NO_HEATMAP_MESSAGE}</span> : null}
        </p>

        <p className="ml-auto hidden text-xs text-neutral-400 lg:block">
          <kbd className="font-sans">V</kbd> mode · <kbd className="font-sans">D</kbd> heatmap · hold <kbd className="font-sans">Space</kbd> source · scroll
          zoom · drag pan · double-click reset
        </p>
      </div>

      {panes}

      <div className="sr-only" aria-live="polite">
        {showingSource ? "Showing source image" : ""}
      </div>
      <div className="sr-only" role="status">
        {loading ? "Loading images…" : ""}
      </div>
      {failed.length > 0 && (
        <p role="alert" className="text-sm text-red-300">
          Couldn’t load the {failed.join(" and ")} image{failed.length > 1 ? "s" : ""}. Try reloading the page.
        </p>
      )}
    </div>
  );
}

interface CompareImageProps {
  src: string;
  alt: string;
  imageRendering: CSSProperties["imageRendering"];
  onStatus: (src: string, status: "loaded" | "error") => void;
}

function CompareImage({ src, alt, imageRendering, onStatus }: CompareImageProps) {
  // An image that finished loading before hydration never fires onLoad: check on attach.
  const ref = useCallback(
    (img: HTMLImageElement | null) => {
      if (img?.complete && img.naturalWidth > 0) {
        const current = img.getAttribute("src");
        if (current) onStatus(current, "loaded");
      }
    },
    [onStatus],
  );
  return (
    // eslint-disable-next-line @next/next/no-img-element -- images come from the authenticated /api/images route
    <img
      ref={ref}
      data-compare-image=""
      src={src}
      alt={alt}
      draggable={false}
      decoding="async"
      className="h-full w-full select-none object-contain"
      style={{ imageRendering }}
      onLoad={() => onStatus(src, "loaded")}
      onError={() => onStatus(src, "error")}
    />
  );
}
