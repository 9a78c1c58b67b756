"use client";

import { useEffect, useEffectEvent } from "react";

/** A page's shortcuts on the window: `read` maps a key to an action (null: the browser keeps it), default prevented. */
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
