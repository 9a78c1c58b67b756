"use client";

import { useEffect, useEffectEvent } from "react";

/**
 * A page's keyboard shortcuts on the window: `read` maps a key press to an action (null: not ours,
 * the browser keeps it), and every action is taken with the browser's default prevented.
 */
export function useWindowKeys<A>(read: (e: KeyboardEvent) => A | null, act: (action: A) => void): void {
  const onKey = useEffectEvent((e: KeyboardEvent) => {
    const action = read(e);
    if (action === null) return;
    e.preventDefault();
    act(action);
  });
  useEffect(() => {
    const listener = (e: KeyboardEvent) => onKey(e);
    window.addEventListener("keydown", listener);
    return () => window.removeEventListener("keydown", listener);
  }, []);
}
