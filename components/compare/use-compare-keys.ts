"use client";

import { useEffect, useEffectEvent, type RefObject } from "react";
import { compareKeyDownAction, isSpaceKey, isTextEntryTarget, spaceBelongsToTarget } from "./keys";

export interface UseCompareKeysOptions {
  /** When false, no key is handled (a held Space is still released on keyup/blur). */
  enabled: boolean;
  /** The compare view's root element; Space on controls outside it keeps its default. */
  rootRef: RefObject<HTMLElement | null>;
  onCycleMode: () => void;
  onToggleHeatmap: () => void;
  /** M: show or hide the mask overlay; without it (a pair with no mask) M keeps its browser meaning. */
  onToggleMask?: (() => void) | null;
  /** Space pressed (true) / released or window blurred (false). */
  onHoldSource: (held: boolean) => void;
}

/** V cycles modes, D the heatmap, held Space shows the source; ignored in text fields, with modifiers, or if handled. */
export function useCompareKeys({ enabled, rootRef, onCycleMode, onToggleHeatmap, onToggleMask, onHoldSource }: UseCompareKeysOptions): void {
  const handleKeyDown = useEffectEvent((e: KeyboardEvent) => {
    if (!enabled || e.defaultPrevented || e.isComposing) return;
    if (isTextEntryTarget(e.target)) return;
    const action = compareKeyDownAction(e);
    if (action === null) return;
    if (action === "cycle-mode") {
      e.preventDefault();
      onCycleMode();
      return;
    }
    if (action === "toggle-heatmap") {
      e.preventDefault();
      onToggleHeatmap();
      return;
    }
    if (action === "toggle-mask") {
      if (!onToggleMask) return;
      e.preventDefault();
      onToggleMask();
      return;
    }
    if (spaceBelongsToTarget(e.target, rootRef.current)) return;
    e.preventDefault(); // no page scroll, no button activation
    if (action === "hold-source") onHoldSource(true);
  });

  const handleKeyUp = useEffectEvent((e: KeyboardEvent) => {
    if (!isSpaceKey(e.key)) return;
    // Always release, wherever focus went and whatever `enabled` is now: never stick.
    onHoldSource(false);
    if (enabled && !isTextEntryTarget(e.target) && !spaceBelongsToTarget(e.target, rootRef.current)) {
      e.preventDefault(); // keyup is what activates a focused button with Space
    }
  });

  const handleBlur = useEffectEvent(() => onHoldSource(false));

  useEffect(() => {
    const down = (e: KeyboardEvent) => handleKeyDown(e);
    const up = (e: KeyboardEvent) => handleKeyUp(e);
    const blur = () => handleBlur();
    const visibility = () => {
      if (document.visibilityState === "hidden") handleBlur();
    };
    window.addEventListener("keydown", down);
    window.addEventListener("keyup", up);
    window.addEventListener("blur", blur);
    document.addEventListener("visibilitychange", visibility);
    return () => {
      window.removeEventListener("keydown", down);
      window.removeEventListener("keyup", up);
      window.removeEventListener("blur", blur);
      document.removeEventListener("visibilitychange", visibility);
    };
  }, []);
}
