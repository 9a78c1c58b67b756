"use client";

import { useCallback, type CSSProperties, type ReactNode } from "react";
import { cx } from "./cx";
import { MaskLayer, type TPaneMask } from "./mask-layer";
import { failedImagesText, type TImageStatus, type TLoadSummary } from "./load-status";
import type { TZoomPan } from "./use-zoom-pan";
import { isPixelated, isZoomed, viewTransform } from "./viewport";

export interface TPaneFrame {
  view: TZoomPan["view"];
  dragging: boolean;
  attach: TZoomPan["paneRef"];
  handlers: TZoomPan["paneHandlers"];
  load: TLoadSummary;
  onImageStatus: (src: string, status: TImageStatus) => void;
  /** The mask overlay drawn over every layer, when it is on. */
  mask?: TPaneMask | null;
}

export interface TPaneImage {
  src: string;
  alt: string;
}

/** Panes fill what the page gives the view (a viewport-sized workbench from lg up); a fixed height below that. */
export const PANE_HEIGHT = "h-[50vh] min-h-48 lg:h-full lg:min-h-40";

/** A clipped, zoomable pane: its layers fade in once every image on screen has loaded. */
export function Pane({ frame, label, heightClass = PANE_HEIGHT, children }: {
  frame: TPaneFrame;
  label: string;
  heightClass?: string;
  children: ReactNode;
}) {
  const { view, dragging, attach, handlers, load } = frame;
  const cursor = isZoomed(view.scale) ? (dragging ? "cursor-grabbing" : "cursor-grab") : "cursor-default";
  return (
    <div
      ref={attach}
      data-compare-pane=""
      role="group"
      aria-label={label}
      className={cx("relative overflow-hidden rounded-md bg-neutral-900 select-none touch-none", cursor, heightClass)}
      {...handlers}
    >
      <div className={cx("absolute inset-0 transition-opacity duration-150", load.ready ? "opacity-100" : "opacity-0")}>
        {children}
        {frame.mask ? <MaskLayer view={view} mask={frame.mask} /> : null}
      </div>
      {load.loading && (
        <div aria-hidden className="absolute inset-0 grid place-items-center">
          <span className="animate-pulse rounded bg-neutral-800/80 px-3 py-1 text-sm text-neutral-300">
            Loading images…
          </span>
        </div>
      )}
      {load.failed.length > 0 && (
        <div aria-hidden className="absolute inset-0 grid place-items-center p-4">
          <span className="rounded bg-red-950/90 px-3 py-2 text-center text-sm text-red-200">
            {failedImagesText(load.failed)}
            {load.reasons.map((r) => (
              <span key={r} className="mt-1 block break-all text-xs text-red-300">{r}</span>
            ))}
          </span>
        </div>
      )}
    </div>
  );
}

/** One image under the shared transform; hidden layers stay mounted so switching never reloads. */
export function ImageLayer({ frame, image, visible, style }: {
  frame: TPaneFrame;
  image: TPaneImage;
  visible: boolean;
  style?: CSSProperties;
}) {
  const view = frame.view;
  return (
    <div className={cx("absolute inset-0", !visible && "invisible")} style={style} aria-hidden={visible ? undefined : true}>
      <div className="absolute inset-0 will-change-transform" style={{ transform: viewTransform(view), transformOrigin: "0 0" }}>
        <CompareImage src={image.src} alt={image.alt} imageRendering={isPixelated(view.scale) ? "pixelated" : "auto"}
          onStatus={frame.onImageStatus} />
      </div>
    </div>
  );
}

export function Chip({ text, side }: { text: string; side: "left" | "right" }) {
  return (
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
}

export function SourceBadge({ shown }: { shown: boolean }) {
  if (!shown) return null;
  return (
    <span
      aria-hidden
      className="pointer-events-none absolute left-1/2 top-2 -translate-x-1/2 rounded bg-amber-400 px-2 py-0.5 text-xs font-semibold text-neutral-950 shadow"
    >
      showing SOURCE
    </span>
  );
}

function CompareImage({ src, alt, imageRendering, onStatus }: {
  src: string;
  alt: string;
  imageRendering: CSSProperties["imageRendering"];
  onStatus: (src: string, status: TImageStatus) => void;
}) {
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
