"use client";

import { useCallback, useRef, useState, type PointerEvent as ReactPointerEvent, type RefObject } from "react";
import {
  FULL_RECT,
  IDENTITY_VIEW,
  dragView,
  fitContain,
  pointInPane,
  unionRect,
  viewsEqual,
  wheelZoomFactor,
  zoomAt,
  type Rect,
  type TDragStart,
  type View,
} from "./viewport";

export const PANE_SELECTOR = "[data-compare-pane]";
const IMAGE_SELECTOR = "img[data-compare-image]";

/** The area the transform keeps in view: the union of every loaded image's fitted rectangle, pane-normalized. */
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

/** One zoom and pan for all panes: wheel zooms at the pointer, drag pans, double-click resets; new `resetKey` refits. */
export function useZoomPan(rootRef: RefObject<HTMLElement | null>, resetKey: string) {
  const dragRef = useRef<(TDragStart & { pointerId: number }) | null>(null);
  const [view, setView] = useState<View>(IDENTITY_VIEW);
  const [dragging, setDragging] = useState(false);

  // Adjusting state while rendering: React's recommended alternative to an effect.
  const [prevKey, setPrevKey] = useState(resetKey);
  if (prevKey !== resetKey) {
    setPrevKey(resetKey);
    setView(IDENTITY_VIEW);
  }

  /** Callback ref for every pane: a non-passive wheel listener (React's onWheel is passive). */
  const paneRef = useCallback((el: HTMLDivElement | null) => {
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      if (e.deltaY === 0) return; // purely horizontal scroll: leave it to the page
      e.preventDefault();
      const r = el.getBoundingClientRect();
      if (r.width <= 0 || r.height <= 0) return;
      const content = contentRectFor(rootRef.current, r);
      const factor = wheelZoomFactor(e.deltaY, e.deltaMode, e.ctrlKey);
      setView((v) => zoomAt(v, factor, pointInPane(e.clientX, e.clientY, r), content));
    };
    el.addEventListener("wheel", onWheel, { passive: false });
    return () => el.removeEventListener("wheel", onWheel);
  }, [rootRef]);

  const zoomBy = (factor: number) => {
    const pane = rootRef.current?.querySelector<HTMLElement>(PANE_SELECTOR);
    const r = pane?.getBoundingClientRect();
    const content = r ? contentRectFor(rootRef.current, r) : FULL_RECT;
    setView((v) => zoomAt(v, factor, { x: 0.5, y: 0.5 }, content));
  };

  const reset = () => setView(IDENTITY_VIEW);

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
      const next = dragView(drag, e.clientX, e.clientY);
      setView((v) => (viewsEqual(v, next) ? v : next));
    },
    onPointerUp: endDrag,
    onPointerCancel: endDrag,
    onLostPointerCapture: endDrag,
    onDoubleClick: reset,
  };

  return { view, dragging, paneRef, paneHandlers, zoomBy, reset };
}

export type TZoomPan = ReturnType<typeof useZoomPan>;
