"use client";

import { useRef, useState, type KeyboardEvent as ReactKeyboardEvent, type MouseEvent as ReactMouseEvent, type PointerEvent as ReactPointerEvent } from "react";
import { DEFAULT_SLIDER_POSITION, sliderPositionForKeyPress, sliderPositionFromPointer } from "./slider";
import { PANE_SELECTOR } from "./use-zoom-pan";

export function useSlider() {
  const dragRef = useRef<number | null>(null);
  const [position, setPosition] = useState(DEFAULT_SLIDER_POSITION);

  const setFromPointer = (e: ReactPointerEvent<HTMLElement>) => {
    const pane = e.currentTarget.closest<HTMLElement>(PANE_SELECTOR);
    if (!pane) return;
    const r = pane.getBoundingClientRect();
    setPosition(sliderPositionFromPointer(e.clientX, r.left, r.width));
  };
  const release = (e: ReactPointerEvent<HTMLDivElement>) => {
    if (dragRef.current === e.pointerId) dragRef.current = null;
  };

  const handlers = {
    onPointerDown: (e: ReactPointerEvent<HTMLDivElement>) => {
      if (e.button !== 0) return;
      e.stopPropagation(); // don't start a pan
      e.currentTarget.setPointerCapture(e.pointerId);
      e.currentTarget.focus();
      dragRef.current = e.pointerId;
      setFromPointer(e);
    },
    onPointerMove: (e: ReactPointerEvent<HTMLDivElement>) => {
      if (dragRef.current !== e.pointerId) return;
      setFromPointer(e);
    },
    onPointerUp: release,
    onPointerCancel: release,
    onLostPointerCapture: release,
    onDoubleClick: (e: ReactMouseEvent) => e.stopPropagation(), // don't reset the zoom
    onKeyDown: (e: ReactKeyboardEvent<HTMLDivElement>) => {
      const next = sliderPositionForKeyPress(position, e);
      if (next === null) return;
      e.preventDefault();
      setPosition(next);
    },
  };

  return { position, handlers };
}

export type TSlider = ReturnType<typeof useSlider>;
