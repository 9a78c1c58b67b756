"use client";

import { useState, type KeyboardEvent as ReactKeyboardEvent, type MouseEvent as ReactMouseEvent, type PointerEvent as ReactPointerEvent } from "react";

/** "Hold to show source": held while pressed, or while Enter is down on it (Space is the window-wide hold key). */
export function useHoldButton() {
  const [held, setHeld] = useState(false);
  const release = () => setHeld(false);
  const handlers = {
    onPointerDown: (e: ReactPointerEvent<HTMLButtonElement>) => {
      if (e.button !== 0) return;
      e.currentTarget.setPointerCapture(e.pointerId);
      setHeld(true);
    },
    onPointerUp: release,
    onPointerCancel: release,
    onLostPointerCapture: release,
    onKeyDown: (e: ReactKeyboardEvent<HTMLButtonElement>) => {
      if (e.key === "Enter") {
        e.preventDefault();
        if (!e.repeat) setHeld(true);
      }
    },
    onKeyUp: (e: ReactKeyboardEvent<HTMLButtonElement>) => {
      if (e.key === "Enter") setHeld(false);
    },
    onBlur: release,
    onContextMenu: (e: ReactMouseEvent) => e.preventDefault(), // long-press on touch
  };
  return { held, handlers };
}
