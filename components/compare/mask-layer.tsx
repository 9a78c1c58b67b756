"use client";

import { useEffect, useId, useState } from "react";
import type { TZoomPan } from "./use-zoom-pan";
import { viewTransform } from "./viewport";

export interface TPaneMask {
  /** The mask: white where the edit was meant (Loupe stores every mask so), at any resolution. */
  src: string;
  /** The source image the mask is stretched onto, so masks of another resolution still line up. */
  sourceSrc: string;
}

/** The source's natural size: the overlay's coordinate system. The browser has the image cached already. */
function useNaturalSize(src: string): { width: number; height: number } | null {
  const [size, setSize] = useState<{ src: string; width: number; height: number } | null>(null);
  useEffect(() => {
    let live = true;
    const img = new Image();
    img.onload = () => {
      if (live && img.naturalWidth > 0) setSize({ src, width: img.naturalWidth, height: img.naturalHeight });
    };
    img.src = src;
    return () => {
      live = false;
    };
  }, [src]);
  return size && size.src === src ? size : null;
}

/**
 * The mask's edit area tinted over the pane, under the same zoom and pan as the images. An SVG whose
 * viewBox is the source's size places itself as `object-contain` places the image, and the mask image is
 * stretched to that box; an SVG mask reads luminance, so white shows the tint and black or transparent hides it.
 */
export function MaskLayer({ view, mask }: { view: TZoomPan["view"]; mask: TPaneMask }) {
  const id = useId();
  const size = useNaturalSize(mask.sourceSrc);
  if (!size) return null;
  const { width, height } = size;
  return (
    <div aria-hidden className="pointer-events-none absolute inset-0">
      <div className="absolute inset-0" style={{ transform: viewTransform(view), transformOrigin: "0 0" }}>
        <svg data-mask-overlay="" className="h-full w-full" viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="xMidYMid meet">
          <defs>
            <mask id={id} maskUnits="userSpaceOnUse" x={0} y={0} width={width} height={height}>
              <image href={mask.src} x={0} y={0} width={width} height={height} preserveAspectRatio="none" />
            </mask>
          </defs>
          <rect x={0} y={0} width={width} height={height} fill="#d946ef" fillOpacity={0.5} mask={`url(#${id})`} />
        </svg>
      </div>
    </div>
  );
}
